"""What a format check sees of a file: its first and last few KB, and reads at an offset when it needs more."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

__all__ = ["Hit", "Sample"]


@dataclass
class Hit:
    """A check's verdict: the format id and why; name, version and MIME type override the registry's."""

    puid: str
    basis: str
    warnings: list[str] = field(default_factory=list)
    name: str = ""
    version: str = ""
    mime_type: str = ""
    encoding: str = ""


class Sample:
    def __init__(self, f: BinaryIO, size: int, name: str, head_size: int, tail_size: int) -> None:
        self.f = f
        self.size = size
        self.name = name
        f.seek(0)
        self.head = f.read(head_size)
        if size <= len(self.head):
            self.tail = self.head[-tail_size:]
        else:
            f.seek(max(size - tail_size, len(self.head)))
            self.tail = f.read(tail_size)

    @property
    def complete(self) -> bool:
        """Whether the head holds the whole file."""
        return len(self.head) >= self.size

    def read_at(self, offset: int, length: int) -> bytes:
        if offset < 0 or offset >= self.size:
            return b""
        if offset + length <= len(self.head):
            return self.head[offset : offset + length]
        self.f.seek(offset)
        return self.f.read(length)
