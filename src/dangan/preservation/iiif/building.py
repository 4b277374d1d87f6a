"""Which images need derivatives, and building them for packages (the worker's task and `dangan derivatives
rebuild` both come here)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, Q, QuerySet

from dangan.preservation.models import PackageFile, PreservedPackage
from dangan.utilities.parallel import default_workers

from .derivatives import build_derivatives, read_info
from .identity import IMAGE_MIME_TYPES, IMAGE_SUFFIXES, image_id

__all__ = ["BuildResult", "build_package_derivatives", "head_images", "image_files", "rebuild"]

logger = logging.getLogger(__name__)

CHUNK = 500  # files read from the database at a time
BUILDERS_LIMIT = 4  # images built at once by default (one per CPU, at most this many)


@dataclass
class BuildResult:
    images: int = 0
    built: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)  # "<image id> <logical path>: <error>"


def _image_filter() -> Q:
    suffixes = "|".join(s.removeprefix(".") for s in sorted(IMAGE_SUFFIXES))
    return Q(mime_type__in=sorted(IMAGE_MIME_TYPES)) | Q(mime_type="", logical_path__iregex=rf"\.({suffixes})$")


def image_files(packages: QuerySet[PreservedPackage]) -> QuerySet[PackageFile]:
    """The image files (with a SHA-256) of the head versions of ``packages``, package by package, in path order."""
    return (
        PackageFile.objects.filter(package__in=packages, version__name=F("package__head_version"))
        .filter(_image_filter())
        .exclude(sha256="")
        .select_related("package")
        .order_by("package_id", "logical_path")
    )


def head_images(package: PreservedPackage) -> list[PackageFile]:
    """The image files of the package's head version, in logical-path order."""
    return list(image_files(PreservedPackage.objects.filter(pk=package.pk)))


def has_derivatives(file: PackageFile) -> bool:
    info = read_info(image_id(file))
    return info is not None and info.sha256 == file.sha256 and info.pyramid.is_file()


def rebuild(
    packages: QuerySet[PreservedPackage],
    *,
    missing_only: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build the derivatives of every head-version image of ``packages`` (only the missing ones, or all anew),
    ``builders()`` images at once: decoding a JPEG master is one thread's work, so one image at a time leaves the
    other cores idle for much of each build (libvips releases the GIL; the threads touch no database: the files
    come with their package)."""
    files = image_files(packages)
    result = BuildResult(images=files.count())

    def build(file: PackageFile) -> tuple[PackageFile, bool | None, str]:
        try:
            return file, build_derivatives(file, force=not missing_only), ""
        except Exception as exc:  # one unreadable master must not stop the others
            logger.exception("derivatives of %s failed", file.logical_path)
            return file, None, str(exc)

    done = 0
    workers = builders()
    chunk: list[PackageFile] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dangan-derivatives") as pool:
        iterator = files.iterator(chunk_size=CHUNK)
        while True:
            chunk = [file for _, file in zip(range(CHUNK), iterator, strict=False)]
            if not chunk:
                break
            outcomes = pool.map(build, chunk) if workers > 1 and len(chunk) > 1 else map(build, chunk)
            for file, built, error in outcomes:
                done += 1
                if built is None:
                    result.failed.append(f"{image_id(file)} {file.logical_path}: {error}")
                elif built:
                    result.built += 1
                else:
                    result.skipped += 1
                if progress is not None:
                    progress(done, result.images)
    return result


def builders() -> int:
    """Images whose derivatives are built at once: settings.DERIVATIVE_BUILDERS, else one per CPU (at most 4)."""
    configured = settings.DERIVATIVE_BUILDERS
    return configured if configured > 0 else default_workers(BUILDERS_LIMIT)


def build_package_derivatives(package_id: int) -> BuildResult:
    return rebuild(PreservedPackage.objects.filter(pk=package_id), missing_only=True)
