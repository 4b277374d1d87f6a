"""Receiving files uploaded to be preserved (the unit page's 长期保存 form and ``POST /api/units/{uuid}/files``).

Each file is streamed straight to a staging folder under ``MEDIA_ROOT/preserve/`` under its own name (nothing is
held in memory beyond one chunk), and the request is stopped as soon as it passes the size limit
(``PRESERVE_UPLOAD_MAX_BYTES``; the number of files is Django's ``DATA_UPLOAD_MAX_NUMBER_FILES``). The view calls
``do_attach_files`` with the staged files, then removes the folder, whatever happened.
"""

from __future__ import annotations

import io
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, QueryDict
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

__all__ = ["StagedFile", "StagingUploadHandler", "read_upload", "staging_folder", "upload_limits"]

STALE_SECONDS = 24 * 3600  # a folder left by a killed process is removed by a later upload
# What a multipart body adds around the files (boundaries, headers, the other fields), allowed above the limit.
ENVELOPE_BYTES = 1024 * 1024


if TYPE_CHECKING:
    _UploadedFile = UploadedFile[bytes]  # generic in the type stubs only
else:
    _UploadedFile = UploadedFile


class StagedFile(_UploadedFile):
    """An uploaded file already on disk at ``path``, under the name it was uploaded with."""

    def __init__(self, path: Path, name: str, content_type: str, size: int) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.path = path

    def close(self) -> None:  # nothing is held open: the file was closed when its last chunk arrived
        return None


class StagingUploadHandler(FileUploadHandler):
    """Writes every file of the request to ``folder/<n>/<name>``; stops the upload past ``max_bytes`` in total and
    says why in ``problem``."""

    chunk_size = 1024 * 1024

    def __init__(self, request: HttpRequest, folder: Path, max_bytes: int) -> None:
        super().__init__(request)
        self.folder = folder
        self.max_bytes = max_bytes
        self.received = 0
        self.count = 0
        self.problem = ""
        self.file: Any = None
        self.path: Path | None = None

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: str | None = None
    ) -> tuple[QueryDict, MultiValueDict[str, Any]] | None:
        if content_length and content_length > self.max_bytes + ENVELOPE_BYTES:
            self.problem = too_large_message(self.max_bytes)
            return QueryDict(encoding=encoding), MultiValueDict()  # nothing is read
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.count += 1
        self.path = self.folder / f"{self.count:04d}" / (self.file_name or "file")
        self.path.parent.mkdir(parents=True)
        try:
            self.file = open(self.path, "wb")  # noqa: SIM115  (closed in file_complete, or by the parser on StopUpload)
        except OSError:  # a name the file system will not take (too long …)
            self.file = io.BytesIO()
            self.problem = _("文件名“%(name)s”不能用作保存路径，请改名后再上传。") % {"name": self.file_name}
            raise StopUpload(connection_reset=False) from None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.problem = too_large_message(self.max_bytes)
            raise StopUpload(connection_reset=False)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> StagedFile | None:
        self.file.close()
        assert self.path is not None
        return StagedFile(self.path, self.file_name or self.path.name, self.content_type or "", file_size)


def too_large_message(limit: int) -> str:
    return _("上传的文件共超过 %(limit)s，未保存任何内容。请分批上传。") % {"limit": filesizeformat(limit)}


def upload_limits() -> dict[str, int]:
    """The limits the forms state and the handler enforces."""
    return {"max_bytes": settings.PRESERVE_UPLOAD_MAX_BYTES, "max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES}


@contextmanager
def staging_folder() -> Iterator[Path]:
    """A fresh folder for one request's files, removed afterwards (and folders older than a day with it)."""
    base = Path(settings.MEDIA_ROOT) / "preserve"
    base.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in base.iterdir():
        try:
            if now - old.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    folder = base / uuid.uuid4().hex
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_upload(request: HttpRequest, folder: Path) -> tuple[list[StagedFile], str]:
    """Parse the request's multipart body into ``folder``: the staged files of the ``files`` field, and why the
    upload was refused ("" when it was not). Call it before anything reads ``request.POST``."""
    handler = StagingUploadHandler(request, folder, settings.PRESERVE_UPLOAD_MAX_BYTES)
    request.upload_handlers = [handler]
    try:
        files = request.FILES.getlist("files")
    except TooManyFilesSent:
        return [], _("一次最多上传 %(count)d 个文件，未保存任何内容。请分批上传。") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    except RequestDataTooBig:
        return [], too_large_message(settings.PRESERVE_UPLOAD_MAX_BYTES)
    if handler.problem:
        return [], handler.problem
    return [f for f in files if isinstance(f, StagedFile)], ""
