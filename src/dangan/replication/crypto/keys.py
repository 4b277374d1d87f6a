"""The node's master key: 32 random bytes in ``master.key`` (mode 0600), the root of every key that protects what
leaves the node. It is never written anywhere else unencrypted: partners get ciphertext, custodians get k-of-n
shares (``shares``), and a new machine gets it back only by combining those shares (:meth:`MasterKey.install`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dangan.replication.crypto._files import read_secret_file, write_secret_file
from dangan.replication.crypto.errors import KeyFileError

MASTER_KEY_FILE = "master.key"
MASTER_KEY_BYTES = 32
KEY_ID_BYTES = 16
_FORMAT = "dangan-master-key/1"


class MasterKey:
    """A master key in memory. Its ``key_id`` (16 bytes, a one-way function of the key) names it in envelope
    headers and shares without saying anything about it; ``repr`` shows only the id."""

    __slots__ = ("_secret", "key_id")

    def __init__(self, secret: bytes) -> None:
        if len(secret) != MASTER_KEY_BYTES:
            raise ValueError(f"a master key is {MASTER_KEY_BYTES} bytes")
        self._secret = secret
        self.key_id = key_id_of(secret)

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self.key_id.hex()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MasterKey) and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash(self.key_id)

    def derive(self, purpose: str, context: bytes, length: int, algorithm: hashes.HashAlgorithm) -> bytes:
        """HKDF (RFC 5869) of the master key for one ``purpose`` (a fixed label) and ``context``: keys for
        different purposes or contexts are independent, and none of them gives away the master key."""
        info = purpose.encode("ascii") + b"\x00" + context
        return HKDF(algorithm=algorithm, length=length, salt=None, info=info).derive(self._secret)

    def export_secret(self) -> bytes:
        """The key's bytes, for splitting into shares; nothing else should need them."""
        return self._secret

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(MASTER_KEY_BYTES))

    @classmethod
    def create(cls, directory: Path) -> MasterKey:
        """A new random master key written to ``directory/master.key``; KeyFileExists if there is one."""
        key = cls.generate()
        key.install(directory)
        return key

    def install(self, directory: Path) -> None:
        """Write this key to ``directory/master.key`` (0600, never over an existing file): a new node's key, or
        one recovered from custodians' shares on a new machine."""
        text = f"{_FORMAT}\nkey-id: {self.key_id.hex()}\nsecret: {self._secret.hex()}\n"
        write_secret_file(Path(directory) / MASTER_KEY_FILE, text.encode("ascii"))

    @classmethod
    def load(cls, directory: Path) -> MasterKey:
        path = Path(directory) / MASTER_KEY_FILE
        try:
            lines = read_secret_file(path).decode("ascii").splitlines()
            fields = dict(line.split(": ", 1) for line in lines[1:] if line)
            if lines[0] != _FORMAT:
                raise ValueError(f"format {lines[0]!r}")
            key = cls(bytes.fromhex(fields["secret"]))
        except (ValueError, KeyError, IndexError, UnicodeDecodeError) as exc:
            raise KeyFileError(path=path, reason=str(exc)) from exc
        if key.key_id.hex() != fields["key-id"]:
            raise KeyFileError(path=path, reason="密钥编号与密钥不符（文件被改动）")
        return key


def key_id_of(secret: bytes) -> bytes:
    """The public name of a master key: SHA-256 of a label and the key, first 16 bytes."""
    return hashlib.sha256(b"dangan/replication/key-id/v1\x00" + secret).digest()[:KEY_ID_BYTES]
