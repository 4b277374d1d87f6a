"""Which formats the archives accepts for long-term preservation (DA/T 70 3-3 内容数据格式, 3-5 格式长期可用性)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .registry import FORMATS, LOCAL_PREFIX, FormatInfo

__all__ = ["PRESERVATION_GROUPS", "FormatPolicy", "PolicyDecision"]

# The default list, by group: (Chinese name, ids). PDF/A and not plain PDF; images, audio and video in the
# formats DA/T 31 and common practice name for masters; text and XML.
PRESERVATION_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdfa": (
        "PDF/A 长期保存版式文档",
        (
            *("fmt/95", "fmt/354", "fmt/476", "fmt/477", "fmt/478", "fmt/479", "fmt/480", "fmt/481"),
            *(f"{LOCAL_PREFIX}pdfa-{v}" for v in ("4", "4e", "4f")),
        ),
    ),
    "ofd": ("OFD 版式文档", (f"{LOCAL_PREFIX}ofd",)),
    "tiff": ("TIFF 图像", ("fmt/353",)),
    "jpeg": (
        "JPEG 图像",
        ("fmt/41", "fmt/42", "fmt/43", "fmt/44", "x-fmt/398", "x-fmt/390", "x-fmt/391", "fmt/645", "fmt/1507"),
    ),
    "jpeg2000": ("JPEG 2000 图像", ("x-fmt/392", "fmt/151")),
    "wav": (
        "WAV 音频",
        ("fmt/6", "fmt/141", "fmt/142", "fmt/143", "fmt/1", "fmt/2", "fmt/527", *(f"fmt/{n}" for n in range(703, 712))),
    ),
    "mp3": ("MP3 音频", ("fmt/134",)),
    "mp4": ("MP4 音视频", ("fmt/199",)),
    "text": ("纯文本", ("x-fmt/111",)),
    "xml": ("XML", ("fmt/101", "fmt/1776")),
}

_ID = re.compile(r"^((x-)?fmt/\d+|" + re.escape(LOCAL_PREFIX) + r"[a-z0-9][a-z0-9.\-]*)$")


@dataclass(frozen=True)
class PolicyDecision:
    accepted: bool
    message: str


@dataclass(frozen=True)
class FormatPolicy:
    """A set of accepted format ids (PRONOM PUIDs and dangan-fmt/… ids)."""

    accepted: frozenset[str]

    @classmethod
    def default(cls) -> FormatPolicy:
        return cls.from_groups(PRESERVATION_GROUPS)

    @classmethod
    def from_groups(cls, groups: Iterable[str]) -> FormatPolicy:
        """The policy accepting the named groups of PRESERVATION_GROUPS (e.g. ["pdfa", "ofd", "tiff"])."""
        ids: set[str] = set()
        for group in groups:
            if group not in PRESERVATION_GROUPS:
                raise ValueError(f"未知的格式组：{group}")
            ids.update(PRESERVATION_GROUPS[group][1])
        return cls(frozenset(ids))

    @classmethod
    def from_ids(cls, ids: Iterable[str]) -> FormatPolicy:
        """A policy from a configured list of ids; any well-formed PUID is allowed, even one the registry lacks."""
        cleaned = {i.strip() for i in ids if i.strip()}
        bad = sorted(i for i in cleaned if not _ID.match(i))
        if bad:
            raise ValueError(f"不是格式标识（PUID 或 {LOCAL_PREFIX}…）：{', '.join(bad)}")
        return cls(frozenset(cleaned))

    def accepts(self, puid: str) -> bool:
        return bool(puid) and puid in self.accepted

    def check(self, puid: str, format_name: str = "") -> PolicyDecision:
        """Whether a file in this format may be preserved as it is, with a message fit to show a user."""
        if not puid:
            return PolicyDecision(False, "格式未能识别，不能确认可长期保存")
        info = FORMATS.get(puid)
        label = info.name_zh if info else (format_name or puid)
        if puid in self.accepted:
            return PolicyDecision(True, f"{label}（{puid}）是可长期保存的格式")
        return PolicyDecision(False, f"{label}（{puid}）不在长期保存格式清单中，需要转换格式")

    def formats(self) -> list[FormatInfo]:
        """The accepted formats the registry knows, for display."""
        return [FORMATS[i] for i in sorted(self.accepted) if i in FORMATS]
