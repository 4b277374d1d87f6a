"""Image ids: which package file an id names, and which files are images."""

from __future__ import annotations

import re
import uuid
from pathlib import PurePosixPath
from typing import Any

from dangan.preservation.models import PackageFile

__all__ = ["IMAGE_ID", "IMAGE_MIME_TYPES", "find_image", "image_id", "is_image"]

IMAGE_ID = re.compile(r"^(?P<package>[0-9a-f]{32})-(?P<digest>[0-9a-f]{24})$")
IMAGE_MIME_TYPES = frozenset(
    {"image/tiff", "image/jpeg", "image/jp2", "image/jpx", "image/x-jp2-codestream", "image/png"}
)
IMAGE_SUFFIXES = frozenset({".tif", ".tiff", ".jpg", ".jpeg", ".jp2", ".j2k", ".jpf", ".jpx", ".png"})


def image_id(file: PackageFile) -> str:
    if not file.sha256:
        raise ValueError(f"{file.logical_path} has no SHA-256 digest")
    return f"{file.package.uuid.hex}-{file.sha256[:24].lower()}"


def find_image(identifier: str) -> PackageFile | None:
    """The file of the newest version of the package that holds this content (first by logical path when the
    version holds it twice); None for a malformed or unknown id, or a file that is no image."""
    match = IMAGE_ID.match(identifier or "")
    if match is None:
        return None
    candidates = (
        PackageFile.objects.filter(package__uuid=uuid.UUID(match["package"]), sha256__startswith=match["digest"])
        .select_related("package", "package__unit", "version")
        .order_by("-version__number", "logical_path")
    )
    for file in candidates[:20]:
        if is_image(file):
            return file
    return None


def is_image(file: Any) -> bool:
    mime = (getattr(file, "mime_type", "") or "").lower()
    if mime:
        return mime in IMAGE_MIME_TYPES
    return PurePosixPath(file.logical_path).suffix.lower() in IMAGE_SUFFIXES
