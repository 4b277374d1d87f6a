"""Which images need derivatives, and building them for packages (the worker's task and `dangan derivatives
rebuild` both come here)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dangan.preservation.models import PackageFile, PreservedPackage

from .derivatives import build_derivatives, read_info
from .identity import image_id, is_image

__all__ = ["BuildResult", "build_package_derivatives", "head_images", "rebuild"]

logger = logging.getLogger(__name__)


@dataclass
class BuildResult:
    images: int = 0
    built: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)  # "<image id> <logical path>: <error>"


def head_images(package: PreservedPackage) -> list[PackageFile]:
    """The image files of the package's head version, in logical-path order."""
    files = (
        PackageFile.objects.filter(package=package, version__name=package.head_version)
        .select_related("package")
        .order_by("logical_path")
    )
    return [f for f in files if is_image(f) and f.sha256]


def has_derivatives(file: PackageFile) -> bool:
    info = read_info(image_id(file))
    return info is not None and info.sha256 == file.sha256 and info.pyramid.is_file()


def rebuild(
    packages: Iterable[PreservedPackage],
    *,
    missing_only: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build the derivatives of every head-version image of ``packages`` (only the missing ones, or all anew)."""
    images = [file for package in packages for file in head_images(package)]
    result = BuildResult(images=len(images))
    for done, file in enumerate(images, 1):
        try:
            if build_derivatives(file, force=not missing_only):
                result.built += 1
            else:
                result.skipped += 1
        except Exception as exc:  # one unreadable master must not stop the others
            logger.exception("derivatives of %s failed", file.logical_path)
            result.failed.append(f"{image_id(file)} {file.logical_path}: {exc}")
        if progress is not None:
            progress(done, len(images))
    return result


def build_package_derivatives(package_id: int) -> BuildResult:
    package = PreservedPackage.objects.filter(pk=package_id).first()
    if package is None:
        return BuildResult()
    return rebuild([package], missing_only=True)
