"""Resumable uploads of large packages (multi-GB .zip): the client declares name and size, then sends chunks, each
at the offset the server has reached; after a broken connection it asks for the offset and goes on from there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from dangan.accession.choices import UploadStatus
from dangan.accession.models import Transfer, Upload
from dangan.utilities.uploads import ByteSource, check_upload_size, safe_file_name, write_chunk

from .common import require_accession
from .receiving import do_receive


def do_start_upload(actor: Any, file_name: str, size: int) -> Upload:
    require_accession(actor)
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError(_("上传须由登录的人员进行。"))
    name = safe_file_name(file_name, "upload.zip")
    if not name.lower().endswith(".zip"):
        raise ValidationError({"file_name": _("请上传 .zip 压缩包（BagIt 包或待打包的文件夹）。")})
    check_upload_size(size)
    upload = Upload(user=actor, file_name=name, size=size)
    folder = Path(settings.MEDIA_ROOT) / "accession-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    upload.path = str(folder / f"{upload.uuid}.zip")
    Path(upload.path).touch()
    upload.save()
    return upload


def owned_upload(actor: Any, upload: Upload) -> Upload:
    if getattr(actor, "pk", None) != upload.user_id:
        raise PermissionDenied(_("只能续传自己的上传。"))
    return upload


def do_write_chunk(actor: Any, upload: Upload, offset: int, stream: ByteSource, length: int) -> Upload:
    """Append ``length`` bytes read from ``stream`` at ``offset`` (which must be where the upload stands)."""
    require_accession(actor)
    owned_upload(actor, upload)
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.status != UploadStatus.UPLOADING:
            raise ValidationError(_("上传已完成。"))
        write_chunk(
            upload.path, received=upload.received, size=upload.size, offset=offset, stream=stream, length=length
        )
        Upload.objects.filter(pk=upload.pk).update(received=F("received") + length)
        upload.refresh_from_db()
        if upload.received == upload.size:
            upload.status = UploadStatus.COMPLETE
            upload.save(update_fields=["status", "updated"])
    return upload


def do_receive_upload(actor: Any, upload: Upload, **fields: Any) -> Transfer:
    """Register the completed upload as a transfer (the .zip is unpacked and bagged; the upload is then removed)."""
    owned_upload(actor, upload)
    if upload.status != UploadStatus.COMPLETE:
        raise ValidationError(
            _("上传尚未完成（%(done)d / %(size)d 字节）") % {"done": upload.received, "size": upload.size}
        )
    transfer = do_receive(actor, Path(upload.path), source_name=upload.file_name, **fields)
    upload.status = UploadStatus.USED
    upload.save(update_fields=["status", "updated"])
    Path(upload.path).unlink(missing_ok=True)
    return transfer
