"""The audit log's HMAC key, kept outside the database.

Whoever can write the database but not read this key cannot rewrite the log unnoticed: every entry and every anchor
is sealed with it. It comes from ``DANGAN_AUDIT_KEY`` (64 hex digits) or else from the file ``DANGAN_AUDIT_KEY_FILE``
(default ``DANGAN_HOME/audit.key``, mode 0600), which `dangan init` or the first entry of an empty log creates.
Entries record the key's id (a digest of the key, never the key), so a wrong or lost key is told apart from
tampering. Operators back the key up apart from the database (docs/audit-log.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

KEY_BYTES = 32
ENV_NAME = "DANGAN_AUDIT_KEY"


class AuditKeyError(ImproperlyConfigured):
    """The key is missing, unreadable or malformed, or is not the key the log was sealed with.

    Nothing is written to the audit log without the right key: a change that cannot be recorded is not made.
    """


@dataclass(frozen=True)
class AuditKey:
    secret: bytes = b""
    source: str = ""  # where it came from: the environment variable's name or the file's path

    @property
    def key_id(self) -> str:
        """A short public name of the key (16 hex digits of an HMAC), recorded in every entry and anchor."""
        return hmac.new(self.secret, b"dangan audit key id", hashlib.sha256).hexdigest()[:16]

    def mac(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never the secret, not even in a traceback
        return f"<AuditKey {self.key_id} from {self.source}>"


_lock = threading.Lock()
_cache: dict[tuple[str, int, int], AuditKey] = {}


def key_file() -> Path:
    return Path(settings.AUDIT_KEY_FILE)


def key_source() -> str:
    """Where the key is looked for, as an operator would name it."""
    return ENV_NAME if settings.AUDIT_KEY else str(key_file())


def _parse(text: str, source: str) -> AuditKey:
    value = text.strip()
    try:
        secret = bytes.fromhex(value)
    except ValueError:
        secret = b""
    if len(secret) != KEY_BYTES:
        raise AuditKeyError(_("审计密钥格式不正确（%(source)s）：应为 64 位十六进制数字。") % {"source": source})
    return AuditKey(secret, source)


def load_key() -> AuditKey | None:
    """The configured key, or None when there is none (no environment variable and no file)."""
    if settings.AUDIT_KEY:
        return _parse(settings.AUDIT_KEY, ENV_NAME)
    path = key_file()
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    cache_key = (str(path), info.st_mtime_ns, info.st_size)
    with _lock:
        cached = _cache.get(cache_key)
    if cached is not None:
        return cached
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditKeyError(
            _("无法读取审计密钥文件 %(path)s：%(error)s") % {"path": path, "error": exc.__class__.__name__}
        ) from exc
    key = _parse(text, str(path))
    with _lock:
        _cache.clear()
        _cache[cache_key] = key
    return key


def create_key_file() -> AuditKey:
    """Write a new random key to the key file (mode 0600). Never overwrites a file that is there."""
    if settings.AUDIT_KEY:
        raise AuditKeyError(_("审计密钥由环境变量 %(name)s 提供，不能生成密钥文件。") % {"name": ENV_NAME})
    path = key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(KEY_BYTES)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, (secret.hex() + "\n").encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return AuditKey(secret, str(path))


def set_aside_key_file(suffix: str) -> Path | None:
    """Rename a key file that is there (a wrong key) to ``<name>.<suffix>``; never deletes a key."""
    path = key_file()
    if not path.exists():
        return None
    target = path.with_name(f"{path.name}.{suffix}")
    path.rename(target)
    return target


def key_file_warnings() -> list[str]:
    """What an operator should fix about the key file (readable by others)."""
    if settings.AUDIT_KEY:
        return []
    try:
        mode = key_file().stat().st_mode
    except OSError:
        return []
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return [
            _("审计密钥文件 %(path)s 的权限过宽（%(mode)s），应只允许运行 dangan 的账号读取（chmod 600）。")
            % {"path": key_file(), "mode": oct(mode & 0o777)}
        ]
    return []
