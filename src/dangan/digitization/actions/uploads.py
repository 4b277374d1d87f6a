"""Uploading a batch's scans from the workspace, then importing them as a background job. Two ways:

- a .zip of the batch folder (one folder per unit, named by its 档号), sent in chunks that resume after a broken
  connection (the protocol of accession's uploads: declare name and size, then PUT chunks at the offset reached),
  then unpacked safely into the batch's staging area;
- the batch folder itself, chosen in the browser: each file is sent whole under its path inside the folder
  (``do_write_folder_file``), and resuming means sending the files the server does not hold yet at their full size
  (``folder_files`` says which it holds). Such an upload is named after the folder with a trailing "/".

Unpacking refuses what could escape or exhaust the server: absolute paths and "..", links and special files,
encrypted entries, more files or bytes than the limits, implausible compression ratios — counting the bytes actually
written, not the headers."""

from __future__ import annotations

import re
import shutil
import stat
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from dangan.digitization.models import Batch, BatchUpload
from dangan.utilities.uploads import (
    BLOCK,
    ByteSource,
    check_upload_size,
    copy_exactly,
    safe_file_name,
    write_chunk,
)

from .common import require_digitize
from .importing import check_import
from .jobs import do_queue_import

MAX_FILES = 200_000
MAX_RATIO = 200.0
RATIO_FLOOR = 1 << 20


def uploads_folder() -> Path:
    folder = Path(settings.DIGITIZATION_ROOT) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def do_start_upload(actor: Any, batch: Batch, file_name: str, size: int) -> BatchUpload:
    require_digitize(actor)
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError(_("上传须由登录的人员进行。"))
    name = safe_file_name(file_name, "scans.zip")
    if not name.lower().endswith(".zip"):
        raise ValidationError({"file_name": _("请上传 .zip 压缩包（批次文件夹：每个档案一个以档号命名的文件夹）。")})
    check_upload_size(size)
    upload = BatchUpload(batch=batch, user=actor, file_name=name, size=size)
    upload.path = str(uploads_folder() / f"{upload.uuid}.zip")
    Path(upload.path).touch()
    upload.save()
    return upload


def owned_upload(actor: Any, upload: BatchUpload) -> BatchUpload:
    if getattr(actor, "pk", None) != upload.user_id:
        raise PermissionDenied(_("只能续传自己的上传。"))
    return upload


def do_write_chunk(actor: Any, upload: BatchUpload, offset: int, stream: ByteSource, length: int) -> BatchUpload:
    """Append ``length`` bytes read from ``stream`` at ``offset`` (which must be where the upload stands)."""
    require_digitize(actor)
    owned_upload(actor, upload)
    with transaction.atomic():
        upload = BatchUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.complete:
            raise ValidationError(_("上传已完成。"))
        write_chunk(
            upload.path, received=upload.received, size=upload.size, offset=offset, stream=stream, length=length
        )
        BatchUpload.objects.filter(pk=upload.pk).update(received=F("received") + length)
        upload.refresh_from_db()
        if upload.received == upload.size:
            upload.complete = True
            upload.save(update_fields=["complete", "updated"])
    return upload


def _entry_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # no UTF-8 flag: Chinese Windows tools write GBK, others UTF-8 without the flag
        raw = name.encode("cp437")
        for encoding in ("utf-8", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
    return name


def unpack_zip(source: Path, target: Path) -> None:
    """Unpack ``source`` into the new folder ``target``; ValidationError (in Chinese) for an unsafe archive."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValidationError(_("压缩包已损坏或不是 .zip 格式，无法读取。")) from exc
    with archive:
        entries: list[tuple[zipfile.ZipInfo, str]] = []
        total = 0
        for info in archive.infolist():
            name = _entry_name(info).replace("\\", "/")
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in parts or "\x00" in name:
                raise ValidationError(_("压缩包条目 %(name)s 会写到目标目录之外，已拒绝。") % {"name": name})
            kind = stat.S_IFMT(info.external_attr >> 16)
            if info.create_system == 3 and kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise ValidationError(_("压缩包条目 %(name)s 是链接或特殊文件，已拒绝。") % {"name": name})
            if info.flag_bits & 0x1:
                raise ValidationError(_("压缩包条目 %(name)s 已加密，已拒绝。") % {"name": name})
            if not parts or info.is_dir():
                continue
            total += info.file_size
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ValidationError(_("压缩包条目 %(name)s 压缩比异常（疑似压缩炸弹），已拒绝。") % {"name": name})
            entries.append((info, unicodedata.normalize("NFC", "/".join(parts))))
        if len(entries) > MAX_FILES:
            raise ValidationError(_("压缩包文件数超过上限 %(n)d。") % {"n": MAX_FILES})
        target.mkdir(parents=True)
        written_total = 0
        for info, path in entries:
            destination = target.joinpath(*path.split("/"))
            destination.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            try:
                with archive.open(info) as f, open(destination, "xb") as out:
                    while chunk := f.read(BLOCK):
                        written += len(chunk)
                        written_total += len(chunk)
                        if written > info.file_size or written_total > total:
                            raise ValidationError(_("压缩包条目 %(name)s 解压后比声明的大，已拒绝。") % {"name": path})
                        out.write(chunk)
            except (zipfile.BadZipFile, EOFError, NotImplementedError) as exc:
                raise ValidationError(_("压缩包条目 %(name)s 无法解压。") % {"name": path}) from exc
            except (FileExistsError, NotADirectoryError) as exc:
                raise ValidationError(_("压缩包条目 %(name)s 与另一条目冲突。") % {"name": path}) from exc


FOLDER_MARK = "/"  # the file_name of a folder upload ends with it
_SEGMENT = re.compile(r"^[^\\/:*?\"<>|\x00-\x1f]+$")


def is_folder_upload(upload: BatchUpload) -> bool:
    return upload.file_name.endswith(FOLDER_MARK)


def folder_of(upload: BatchUpload) -> Path:
    """Where a folder upload's files are written: the batch's staging area, incoming/<upload uuid>/."""
    return upload.batch.folder / "incoming" / str(upload.uuid)


def do_start_folder_upload(actor: Any, batch: Batch, folder_name: str, size: int) -> BatchUpload:
    """Start the upload of a batch folder of ``size`` bytes in all (its files are then sent one by one)."""
    require_digitize(actor)
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError(_("上传须由登录的人员进行。"))
    check_upload_size(size)
    name = safe_file_name(folder_name.rstrip("/"), "scans")[:199] + FOLDER_MARK
    upload = BatchUpload(batch=batch, user=actor, file_name=name, size=size)
    upload.path = str(folder_of(upload))
    Path(upload.path).mkdir(parents=True, exist_ok=True)
    upload.save()
    return upload


def _relative(path: str) -> str:
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts or any(not _SEGMENT.match(p) for p in parts) or len(parts) > 8:
        raise ValidationError({"path": _("文件路径不合规：%(path)s") % {"path": path[:200]}})
    return unicodedata.normalize("NFC", "/".join(parts))


def folder_files(upload: BatchUpload) -> dict[str, int]:
    """The files a folder upload holds so far (relative path → size)."""
    root = Path(upload.path)
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p.stat().st_size
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(".part")
    }


def do_write_folder_file(actor: Any, upload: BatchUpload, path: str, stream: ByteSource, length: int) -> BatchUpload:
    """Write one file of a folder upload at ``path`` (relative to the folder), whole: a file sent again replaces the
    one before (a connection broken mid-file leaves only a .part, never a short file under the real name)."""
    require_digitize(actor)
    owned_upload(actor, upload)
    if not is_folder_upload(upload):
        raise ValidationError(_("该上传不是文件夹上传。"))
    if upload.used:
        raise ValidationError(_("该上传已导入。"))
    relative = _relative(path)
    root = Path(upload.path)
    target = root.joinpath(*relative.split("/"))
    held = folder_files(upload)
    total = sum(size for name, size in held.items() if name != relative) + length
    if length < 0 or total > upload.size:
        raise ValidationError(_("文件超出声明的总大小。"))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with open(partial, "wb") as out:
        copy_exactly(stream, out, length, _("文件不完整：少了 %(n)d 字节"))
    partial.replace(target)
    with transaction.atomic():
        upload = BatchUpload.objects.select_for_update().get(pk=upload.pk)
        upload.received = total
        upload.complete = total == upload.size
        upload.save(update_fields=["received", "complete", "updated"])
    return upload


def do_import_upload(actor: Any, upload: BatchUpload) -> Batch:
    """Queue the import of a completed upload: a .zip is unpacked into the batch's staging area first (and
    removed), a folder upload is imported where its files lie."""
    owned_upload(actor, upload)
    batch = upload.batch
    if is_folder_upload(upload):
        if not upload.complete:
            raise ValidationError(
                _("文件夹尚未上传完（%(done)d / %(size)d 字节）") % {"done": upload.received, "size": upload.size}
            )
        if upload.used:
            raise ValidationError(_("该上传已导入。"))
        batch = do_queue_import(actor, batch, Path(upload.path))
        upload.used = True
        upload.save(update_fields=["used", "updated"])
        return batch
    if not upload.complete:
        raise ValidationError(
            _("上传尚未完成（%(done)d / %(size)d 字节）") % {"done": upload.received, "size": upload.size}
        )
    if upload.used:
        raise ValidationError(_("该上传已导入。"))
    target = batch.folder / "incoming" / str(upload.uuid)
    check_import(actor, batch)
    if target.exists():
        shutil.rmtree(target)
    try:
        unpack_zip(Path(upload.path), target)
    except ValidationError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    batch = do_queue_import(actor, batch, target)
    upload.used = True
    upload.save(update_fields=["used", "updated"])
    Path(upload.path).unlink(missing_ok=True)
    return batch
