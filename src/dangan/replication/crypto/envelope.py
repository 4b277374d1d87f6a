"""Encryption of everything that leaves the node: a stream cut into chunks (4 MiB of plaintext by default), each
sealed with SM4-GCM (default) or AES-256-GCM, behind a header that says how.

Layout (all integers big-endian)::

    header  magic "\\x89DANGAN\\n" · version u8 (1) · suite u8 (1 SM4-GCM, 2 AES-256-GCM) · reserved u16 (0)
            chunk size u32 · key id 16 bytes · content tag 32 bytes · object id length u16 · object id (UTF-8)
    chunk   frame: object tag 8 bytes (content tag[:8]) · index u64 · flags u8 (bit 0: last chunk)
                   · ciphertext length u32 (the chunk size, except in the last chunk)
            ciphertext · GCM tag 16 bytes

Every chunk is authenticated with the whole header and its own frame as associated data, and its nonce is its
index. So a chunk moved to another position, a stream cut after any chunk, data appended after the last chunk, a
chunk taken from another object and any changed byte all fail, each with its own error
(:class:`~dangan.replication.crypto.errors.ChunkOutOfOrder`, ``TruncatedEnvelope``, ``TrailingData``,
``ChunkFromOtherObject``, ``ChunkTampered``). An empty stream is one empty last chunk, so cutting everything after
the header is caught too.

**Deterministic.** The content tag is HMAC(master-derived key, version ‖ suite ‖ chunk size ‖ object id ‖
SHA-256 of the plaintext) and the data key is HKDF(master key, content tag); nonces are chunk indexes. The same
content of the same object under the same owner therefore gives the same bytes, so a new OCFL version replicates
only its new files, and the owner can rebuild any ciphertext chunk from its own plaintext to check a keeper's proof
(:class:`PlaintextChunks`) without storing ciphertext. The header shows the tag, never the SHA-256: a keeper cannot
test whether it holds a document it can hash itself.

**Why no (key, nonce) pair is used for two plaintexts.** A data key is a function of (master key, suite, chunk size,
object id, content SHA-256); within it, nonce i is used only for chunk i, the bytes [i·size, (i+1)·size) of that
content. Two encryptions with the same key and nonce thus have the same content (up to a SHA-256 collision), the
same chunk size and the same index, hence the same plaintext chunk and the same associated data, and GCM gives the
same output: repeating it tells an observer nothing new. The chunk size is in the derivation because the same
content cut differently would put different bytes under the same index. The one way to break the argument is to
give a content digest that is not the content's (a file changing between hashing and encrypting): :class:`Encryption`
hashes the plaintext as it seals it and raises :class:`~dangan.replication.crypto.errors.ContentMismatch` at the
end, and :func:`encrypt_file` seals into a staging file that is moved into place only after that check, so such
ciphertext never leaves the node. A caller who streams ciphertext straight out must do the same (or stream only
immutable files, as OCFL content files are).

Memory stays constant: a few chunks (``workers`` being sealed or opened at once, in threads, plus one read ahead).
Decryption checks each chunk's tag before giving out its plaintext, gives chunks out in order and names the first
fault in stream order, and at the end checks the whole plaintext against the content tag.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import os
import struct
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dangan.replication.crypto.errors import (
    ChunkFromOtherObject,
    ChunkOutOfOrder,
    ChunkTampered,
    ContentMismatch,
    NotAnEnvelope,
    TrailingData,
    TruncatedEnvelope,
    UnsupportedEnvelope,
    WrongKey,
)
from dangan.replication.crypto.keys import MasterKey
from dangan.replication.crypto.sm2 import hmac_sm3

MAGIC = b"\x89DANGAN\n"
VERSION = 1
DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024
#: Threads that seal or open chunks at once. Chunks are independent, and ``cryptography`` and ``hashlib`` let go
#: of the GIL while they work, so a second core nearly doubles SM4-GCM's rate; memory stays a few chunks a worker.
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)
MIN_CHUNK_SIZE = 64
MAX_CHUNK_SIZE = 1024 * 1024 * 1024
TAG_BYTES = 16
_HEADER = struct.Struct(">8sBBHI16s32sH")
_FRAME = struct.Struct(">8sQBI")
FRAME_BYTES = _FRAME.size
_LAST = 0x01
_CONTENT_TAG_PURPOSE = "dangan/replication/content-tag/v1"
_CHUNK_KEY_PURPOSE = "dangan/replication/chunk-key/v1"


class Readable(Protocol):
    """Anything with ``read(size)``: a file, a socket's file, an HTTP response body."""

    def read(self, size: int, /) -> bytes: ...


class Suite(enum.IntEnum):
    """The cipher of an envelope (its code in the header). SM4-GCM derives keys with SM3, AES-256-GCM with
    SHA-256, so the default is national algorithms end to end."""

    SM4_GCM = 1
    AES_256_GCM = 2

    @property
    def label(self) -> str:
        return "sm4-gcm" if self is Suite.SM4_GCM else "aes-256-gcm"

    @property
    def key_length(self) -> int:
        return 16 if self is Suite.SM4_GCM else 32

    def kdf_hash(self) -> hashes.HashAlgorithm:
        return hashes.SM3() if self is Suite.SM4_GCM else hashes.SHA256()

    @classmethod
    def parse(cls, text: str) -> Suite:
        for suite in cls:
            if suite.label == text.strip().lower():
                return suite
        raise ValueError(f"unknown cipher {text!r} (sm4-gcm or aes-256-gcm)")


@dataclass(frozen=True)
class EnvelopeHeader:
    """What a reader needs to open an envelope; its bytes are bound into every chunk."""

    suite: Suite
    chunk_size: int
    key_id: bytes
    content_tag: bytes
    object_id: str

    def to_bytes(self) -> bytes:
        name = self.object_id.encode("utf-8")
        return (
            _HEADER.pack(MAGIC, VERSION, self.suite, 0, self.chunk_size, self.key_id, self.content_tag, len(name))
            + name
        )

    @property
    def sealed_chunk_size(self) -> int:
        """Bytes of a full chunk in the envelope (frame, ciphertext, tag)."""
        return FRAME_BYTES + self.chunk_size + TAG_BYTES

    def chunk_count(self, plaintext_size: int) -> int:
        """Chunks of a plaintext of this size (at least one: an empty stream is one empty last chunk)."""
        return max(1, -(-plaintext_size // self.chunk_size))

    def chunk_offset(self, index: int) -> int:
        """Where chunk ``index`` starts in the envelope (a keeper reads it there to answer an audit)."""
        return len(self.to_bytes()) + index * self.sealed_chunk_size

    @classmethod
    def read(cls, reader: Readable) -> EnvelopeHeader:
        fixed = _read_exactly(reader, _HEADER.size)
        if len(fixed) < len(MAGIC) or fixed[: len(MAGIC)] != MAGIC:
            raise NotAnEnvelope()
        if len(fixed) < _HEADER.size:
            raise TruncatedEnvelope(index=0)
        _magic, version, code, reserved, chunk_size, key_id, content_tag, name_length = _HEADER.unpack(fixed)
        if version != VERSION:
            raise UnsupportedEnvelope(reason=f"格式版本 {version}（本程序支持 {VERSION}）")
        try:
            suite = Suite(code)
        except ValueError:
            raise UnsupportedEnvelope(reason=f"算法编号 {code}") from None
        if reserved != 0:
            raise UnsupportedEnvelope(reason=f"保留字段为 {reserved}")
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise UnsupportedEnvelope(reason=f"块大小 {chunk_size}")
        name = _read_exactly(reader, name_length)
        if len(name) < name_length:
            raise TruncatedEnvelope(index=0)
        try:
            object_id = name.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsupportedEnvelope(reason="对象标识不是 UTF-8") from None
        return cls(suite, chunk_size, key_id, content_tag, object_id)


def make_header(
    master: MasterKey,
    *,
    object_id: str,
    content_sha256: bytes,
    suite: Suite = Suite.SM4_GCM,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> EnvelopeHeader:
    """The header of ``object_id``'s content whose SHA-256 is ``content_sha256``, sealed under ``master``."""
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk size must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE} bytes")
    if len(content_sha256) != 32:
        raise ValueError("content_sha256 is the 32-byte SHA-256 digest")
    name = object_id.encode("utf-8")
    if len(name) > 0xFFFF:
        raise ValueError("object id too long")
    return EnvelopeHeader(
        suite, chunk_size, master.key_id, _content_tag(master, suite, chunk_size, name, content_sha256), object_id
    )


def _content_tag(master: MasterKey, suite: Suite, chunk_size: int, name: bytes, content_sha256: bytes) -> bytes:
    mac_key = master.derive(_CONTENT_TAG_PURPOSE, b"", 32, suite.kdf_hash())
    message = struct.pack(">BBIH", VERSION, suite, chunk_size, len(name)) + name + content_sha256
    if suite is Suite.SM4_GCM:
        return hmac_sm3(mac_key, message)
    return hmac.new(mac_key, message, hashlib.sha256).digest()


class ChunkCipher:
    """Seals and opens the chunks of one envelope: the data key derived from the master key and the header."""

    def __init__(self, master: MasterKey, header: EnvelopeHeader) -> None:
        if not hmac.compare_digest(master.key_id, header.key_id):
            raise WrongKey(expected=header.key_id.hex(), actual=master.key_id.hex())
        self.header = header
        self._header_bytes = header.to_bytes()
        self._object_tag = header.content_tag[:8]
        self._key = master.derive(
            _CHUNK_KEY_PURPOSE, header.content_tag, header.suite.key_length, header.suite.kdf_hash()
        )
        self._aesgcm = AESGCM(self._key) if header.suite is Suite.AES_256_GCM else None

    def seal(self, index: int, plaintext: bytes, last: bool) -> bytes:
        """Chunk ``index`` of the envelope: frame ‖ ciphertext ‖ tag."""
        frame = _FRAME.pack(self._object_tag, index, _LAST if last else 0, len(plaintext))
        nonce = b"\x00\x00\x00\x00" + index.to_bytes(8, "big")
        aad = self._header_bytes + frame
        if self._aesgcm is not None:
            return frame + self._aesgcm.encrypt(nonce, plaintext, aad)
        encryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        body = encryptor.update(plaintext) + encryptor.finalize()
        return frame + body + encryptor.tag

    def open(self, position: int, sealed: bytes, at_end: bool) -> bytes:
        """The plaintext of the chunk found at ``position``, or the error that names what is wrong with it.
        ``at_end``: nothing follows it in the stream."""
        object_tag, index, flags, _length = _FRAME.unpack_from(sealed)
        if not hmac.compare_digest(object_tag, self._object_tag):
            raise ChunkFromOtherObject(index=position)
        nonce = b"\x00\x00\x00\x00" + index.to_bytes(8, "big")
        aad = self._header_bytes + sealed[:FRAME_BYTES]
        try:
            if self._aesgcm is not None:
                plaintext = self._aesgcm.decrypt(nonce, sealed[FRAME_BYTES:], aad)
            else:
                decryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce, sealed[-TAG_BYTES:])).decryptor()
                decryptor.authenticate_additional_data(aad)
                plaintext = decryptor.update(sealed[FRAME_BYTES:-TAG_BYTES]) + decryptor.finalize()
        except InvalidTag:
            raise ChunkTampered(index=position) from None
        # The frame is authentic from here on, so what it says can be believed.
        if index != position:
            raise ChunkOutOfOrder(expected=position, found=index)
        last = bool(flags & _LAST)
        if last and not at_end:
            raise TrailingData(index=position)
        if not last and at_end:
            raise TruncatedEnvelope(index=position + 1)
        if not last and len(plaintext) != self.header.chunk_size:
            raise ChunkTampered(index=position)
        return plaintext

    def read_chunk(self, reader: Readable, position: int) -> tuple[bytes, bool]:
        """The next sealed chunk from ``reader`` and whether it is the last: the frame says how long it is, so a
        cut anywhere is a TruncatedEnvelope and anything after the last chunk is TrailingData."""
        frame = _read_exactly(reader, FRAME_BYTES)
        if len(frame) < FRAME_BYTES:
            raise TruncatedEnvelope(index=position)
        length = _FRAME.unpack(frame)[3]
        if length > self.header.chunk_size:
            raise ChunkTampered(index=position)
        body = _read_exactly(reader, length + TAG_BYTES)
        if len(body) < length + TAG_BYTES:
            raise TruncatedEnvelope(index=position)
        return frame + body, bool(frame[16] & _LAST)


def _read_exactly(reader: Readable, size: int) -> bytes:
    """``size`` bytes, fewer only at the end of the stream (a pipe or socket may hand them over in pieces)."""
    data = reader.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    have = len(data)
    while have < size:
        more = reader.read(size - have)
        if not more:
            break
        parts.append(more)
        have += len(more)
    return b"".join(parts)


_T = TypeVar("_T")


def _in_order(jobs: Iterator[Callable[[], _T]], workers: int) -> Iterator[_T]:
    """The results of ``jobs``, in order, computed by up to ``workers`` threads with at most ``workers`` + 1 jobs
    in flight. An error in making the jobs (reading the stream) is raised only after the results of the jobs
    before it, so the first fault in the stream is the one reported."""
    if workers <= 1:
        for job in jobs:
            yield job()
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="dangan-envelope") as pool:
        pending: deque[Future[_T]] = deque()
        failure: Exception | None = None
        while True:
            try:
                job = next(jobs)
            except StopIteration:
                break
            except Exception as exc:  # raised below, after the results of the jobs before it
                failure = exc
                break
            pending.append(pool.submit(job))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
        if failure is not None:
            raise failure


class _Prefixed:
    """A reader that first gives back bytes already read ahead."""

    def __init__(self, prefix: bytes, reader: Readable) -> None:
        self._prefix = prefix
        self._reader = reader

    def read(self, size: int) -> bytes:
        if self._prefix:
            head, self._prefix = self._prefix[:size], self._prefix[size:]
            return head if len(head) == size else head + _read_exactly(self._reader, size - len(head))
        return self._reader.read(size)


@dataclass
class EnvelopeManifest:
    """What the owner records about an envelope it made: enough to list it in a manifest, check a keeper's
    receipt (chunk digests) and rebuild any chunk from the plaintext to check a proof (the header)."""

    header: EnvelopeHeader
    plaintext_size: int = 0
    plaintext_sha256: bytes = b""
    ciphertext_size: int = 0
    chunk_digests: list[bytes] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "object_id": self.header.object_id,
            "suite": self.header.suite.label,
            "chunk_size": self.header.chunk_size,
            "key_id": self.header.key_id.hex(),
            "header": self.header.to_bytes().hex(),
            "plaintext_size": self.plaintext_size,
            "ciphertext_size": self.ciphertext_size,
            "chunk_sha256": [digest.hex() for digest in self.chunk_digests],
        }


class Encryption:
    """Iterate to get the envelope's bytes: the header, then one sealed chunk at a time. When the iteration has
    finished, ``manifest`` holds the sizes and the SHA-256 of every sealed chunk. ContentMismatch at the end means
    the plaintext was not the content ``content_sha256`` names: discard everything this produced."""

    def __init__(
        self,
        master: MasterKey,
        source: Readable,
        *,
        object_id: str,
        content_sha256: bytes,
        suite: Suite = Suite.SM4_GCM,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        self._workers = workers
        self.header = make_header(
            master, object_id=object_id, content_sha256=content_sha256, suite=suite, chunk_size=chunk_size
        )
        self._cipher = ChunkCipher(master, self.header)
        self._source = source
        self._content_sha256 = content_sha256
        self.manifest = EnvelopeManifest(self.header, plaintext_sha256=content_sha256)

    def __iter__(self) -> Iterator[bytes]:
        header = self.header.to_bytes()
        self.manifest.ciphertext_size = len(header)
        yield header
        content = hashlib.sha256()
        for sealed, digest in _in_order(self._jobs(content), self._workers):
            self.manifest.chunk_digests.append(digest)
            self.manifest.ciphertext_size += len(sealed)
            yield sealed
        if not hmac.compare_digest(content.digest(), self._content_sha256):
            raise ContentMismatch()

    def _jobs(self, content: hashlib._Hash) -> Iterator[Callable[[], tuple[bytes, bytes]]]:
        """Read the plaintext in order (hashing it), one sealing job per chunk."""
        size = self.header.chunk_size
        current = _read_exactly(self._source, size)
        index = 0
        while True:
            following = _read_exactly(self._source, size) if len(current) == size else b""
            content.update(current)
            self.manifest.plaintext_size += len(current)
            yield functools.partial(self._seal, index, current, not following)
            if not following:
                return
            current = following
            index += 1

    def _seal(self, index: int, plaintext: bytes, last: bool) -> tuple[bytes, bytes]:
        sealed = self._cipher.seal(index, plaintext, last)
        return sealed, hashlib.sha256(sealed).digest()


def file_sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.digest()


def encrypt_file(
    master: MasterKey,
    source: Path,
    target: Path,
    *,
    object_id: str,
    suite: Suite = Suite.SM4_GCM,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    content_sha256: bytes | None = None,
    workers: int = DEFAULT_WORKERS,
) -> EnvelopeManifest:
    """Encrypt ``source`` into ``target`` through a staging file beside it, moved into place only when every
    chunk is written and the plaintext proved to be the content the key was derived from."""
    digest = content_sha256 if content_sha256 is not None else file_sha256(source)
    staging = target.with_name(f".{target.name}.partial")
    try:
        with open(source, "rb") as reader, open(staging, "wb") as writer:
            encryption = Encryption(
                master,
                reader,
                object_id=object_id,
                content_sha256=digest,
                suite=suite,
                chunk_size=chunk_size,
                workers=workers,
            )
            for piece in encryption:
                writer.write(piece)
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    return encryption.manifest


def decrypt(master: MasterKey, reader: Readable, *, workers: int = DEFAULT_WORKERS) -> Iterator[bytes]:
    """The plaintext of an envelope, one verified chunk at a time; raises the error that names the first fault."""
    header = EnvelopeHeader.read(reader)
    cipher = ChunkCipher(master, header)
    content = hashlib.sha256()
    for plaintext in _in_order(_opening_jobs(cipher, reader), workers):
        content.update(plaintext)
        yield plaintext
    name = header.object_id.encode("utf-8")
    expected = _content_tag(master, header.suite, header.chunk_size, name, content.digest())
    if not hmac.compare_digest(expected, header.content_tag):
        raise ContentMismatch()


def _opening_jobs(cipher: ChunkCipher, reader: Readable) -> Iterator[Callable[[], bytes]]:
    position = 0
    sealed, says_last = cipher.read_chunk(reader, position)
    while True:
        # Look one step ahead (one byte after a chunk that says it is the last) to know whether the stream ends.
        following = _read_exactly(reader, 1 if says_last else FRAME_BYTES)
        yield functools.partial(cipher.open, position, sealed, not following)
        if says_last or not following:
            return
        position += 1
        sealed, says_last = cipher.read_chunk(_Prefixed(following, reader), position)


def decrypt_file(master: MasterKey, source: Path, target: Path, *, workers: int = DEFAULT_WORKERS) -> EnvelopeHeader:
    """Decrypt ``source`` into ``target`` through a staging file; ``target`` appears only if every check passed."""
    staging = target.with_name(f".{target.name}.partial")
    try:
        with open(source, "rb") as reader, open(staging, "wb") as writer:
            for plaintext in decrypt(master, reader, workers=workers):
                writer.write(plaintext)
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    with open(source, "rb") as reader:
        return EnvelopeHeader.read(reader)


class PlaintextChunks:
    """The owner's way to get any sealed chunk without keeping ciphertext: read the plaintext chunk from its own
    copy and seal it again (deterministic, so the bytes are the keeper's bytes if the keeper's copy is intact)."""

    def __init__(self, master: MasterKey, header: EnvelopeHeader, plaintext: Path) -> None:
        self._cipher = ChunkCipher(master, header)
        self._path = plaintext
        self.count = header.chunk_count(plaintext.stat().st_size)

    def __len__(self) -> int:
        return self.count

    def chunk(self, index: int) -> bytes:
        if not 0 <= index < self.count:
            raise IndexError(index)
        size = self._cipher.header.chunk_size
        with open(self._path, "rb") as handle:
            handle.seek(index * size)
            plaintext = _read_exactly(handle, size)
        return self._cipher.seal(index, plaintext, last=index == self.count - 1)


class EnvelopeChunks:
    """A keeper's (or anyone's) way to read sealed chunk ``index`` straight from an envelope file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        with open(path, "rb") as handle:
            self.header = EnvelopeHeader.read(handle)
        body = path.stat().st_size - len(self.header.to_bytes())
        self.count = max(1, -(-body // self.header.sealed_chunk_size))

    def __len__(self) -> int:
        return self.count

    def chunk(self, index: int) -> bytes:
        if not 0 <= index < self.count:
            raise IndexError(index)
        with open(self._path, "rb") as handle:
            handle.seek(self.header.chunk_offset(index))
            return _read_exactly(handle, self.header.sealed_chunk_size)
