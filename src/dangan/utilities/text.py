"""Text helpers shared by importers, validators and search: normalisation and the DA/T 70 item 1-6 checks for
special characters (control characters, private-use characters, text garbled by a wrong encoding)."""

from __future__ import annotations

import re
import unicodedata
import uuid

from django.conf import settings
from django.utils.translation import gettext as _

# C0/C1 control characters except tab, newline and carriage return; plus the Unicode replacement character,
# which betrays text decoded with the wrong encoding (DA/T 70 item 1-6).
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ufeff\u200b-\u200f\u2028\u2029"
# The private-use areas: the BMP's and planes 15-16. Institutions that make their own characters (造字) for names
# and rare characters keep them there; to anyone else they are invisible boxes, or garbage.
_PRIVATE_USE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_BAD_CHARS = re.compile(f"[{_CONTROL}{_PRIVATE_USE}]")
_BAD_CHARS_ALLOWING_PRIVATE_USE = re.compile(f"[{_CONTROL}]")
_PRIVATE_USE_CHAR = re.compile(f"[{_PRIVATE_USE}]")
REPLACEMENT = "U+FFFD"


def private_use_allowed() -> bool:
    """Whether this institution uses private-use characters (DANGAN_ALLOW_PRIVATE_USE_CHARACTERS)."""
    return bool(getattr(settings, "ALLOW_PRIVATE_USE_CHARACTERS", False))


def find_bad_characters(value: str) -> list[str]:
    """The control, malformed or (unless allowed) private-use characters in ``value``, as ``U+XXXX`` codes."""
    pattern = _BAD_CHARS_ALLOWING_PRIVATE_USE if private_use_allowed() else _BAD_CHARS
    return sorted({f"U+{ord(c):04X}" for c in pattern.findall(value)})


# ---------------------------------------------------------------- text garbled by a wrong encoding (乱码)

# Characters that bytes 0x80-0xFF become when read as Windows-1252 (or Latin-1, for the five bytes 1252 leaves
# undefined): UTF-8 or GBK text read that way is a run of them ("å…³äºŽ" for 关于, "¹ØÓÚ" for 关于 in GBK).
_CP1252_UPPER = bytes(range(0x80, 0x100)).decode("cp1252", errors="ignore")
_HIGH_RUN = re.compile(f"[\u0080-\u00ff{re.escape(_CP1252_UPPER)}]{{2,}}")
_LATIN1_UPPER = re.compile("[\u00a0-\u00ff]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}")
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
# UTF-8 "EF BF BD" (a replacement character) read as GBK: the text was already lost before it reached us.
_LOST_MARKERS = ("锟斤拷",)
GBK_RUN_MIN = 4  # two Chinese characters


def _cp1252_bytes(text: str) -> bytes | None:
    """The bytes a Windows-1252 (or Latin-1) reading turned into ``text``."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                return None
            out.append(ord(char))  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: undefined in 1252, kept as Latin-1 does
    return bytes(out)


def _is_gb2312(text: str) -> bool:
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _common_chinese(text: str) -> bool:
    """Whether ``text`` has Chinese characters and is all GB2312 (the common characters): what a repair must give."""
    return bool(_CJK.search(text)) and _is_gb2312(text)


def _repair_high_run(run: str) -> str | None:
    """A run of Windows-1252 characters read back as UTF-8 or GBK, if that gives Chinese text."""
    data = _cp1252_bytes(run)
    if data is None:
        return None
    try:
        return data.decode("utf-8")  # "Ã©" for é, "å…³" for 关: valid UTF-8 is never a chance here
    except UnicodeDecodeError:
        pass
    repaired = data.decode("utf-8", errors="replace")
    # A sequence cut short (a byte the reading lost) still shows its Chinese around the gap.
    if len(_CJK.findall(repaired)) > repaired.count("\ufffd"):
        return repaired
    if len(run) < GBK_RUN_MIN:
        return None  # "ë·" in "Zoë·Smith" is a GBK character too: only longer runs are telling
    try:
        repaired = data.decode("gbk")
    except UnicodeDecodeError:
        return None
    return repaired if _common_chinese(repaired) else None


def _repair_gbk_run(run: str) -> str | None:
    """A run of rare Chinese characters that is UTF-8 read as GBK ("鍏充簬" for 关于), read back as UTF-8."""
    if _is_gb2312(run):
        return None  # common characters only: real text (the GBK reading of UTF-8 always yields rare ones)
    try:
        repaired = run.encode("gbk").decode("utf-8")
    except UnicodeError:
        return None
    return repaired if _common_chinese(repaired) else None


def find_mojibake(value: str) -> str | None:
    """If ``value`` looks like text decoded with the wrong encoding — UTF-8 or GBK read as Windows-1252, or UTF-8
    read as GBK — what it most likely said (the garbled runs repaired); else None. Plain ASCII and ordinary
    Chinese text are ruled out cheaply."""
    if value.isascii():
        return None
    repaired, found = value, False
    # Windows-1252 readings always hold Latin-1 letters (the lead bytes); Chinese text with “” or …… does not.
    if _LATIN1_UPPER.search(value):
        for run in set(_HIGH_RUN.findall(value)):
            if (fixed := _repair_high_run(run)) is not None:
                repaired, found = repaired.replace(run, fixed), True
    elif _is_gb2312(value):
        return None  # common Chinese characters only: the GBK reading of UTF-8 always yields rare ones
    for run in set(_NON_ASCII_RUN.findall(repaired)):
        if (fixed := _repair_gbk_run(run)) is not None:
            repaired, found = repaired.replace(run, fixed), True
    return repaired if found else None


def is_plain_text(value: str) -> bool:
    """A quick yes for the common case: printable text with nothing special_character_problem would report (a no
    means "look closer", not "bad": a new line is fine but not printable)."""
    return (
        value.isprintable()
        and "\ufffd" not in value
        and not any(marker in value for marker in _LOST_MARKERS)
        and find_mojibake(value) is None
    )


def special_character_problem(value: str) -> str | None:
    """Why ``value`` fails DA/T 70 item 1-6 (包含特殊字符), in Chinese, naming what was found; or None."""
    bad = find_bad_characters(value)
    private = sorted({f"U+{ord(c):04X}" for c in _PRIVATE_USE_CHAR.findall(value)}) if bad else []
    control = [code for code in bad if code not in private]
    if control and control != [REPLACEMENT]:
        return _("含有控制字符或乱码字符（%(chars)s）") % {"chars": "、".join(control)}
    if private:
        return _("含有私用区字符（%(chars)s），可能是造字或乱码；本馆如使用造字，请系统管理员设置允许私用区字符") % {
            "chars": "、".join(private)
        }
    if any(marker in value for marker in _LOST_MARKERS):
        return _("含有乱码“锟斤拷”：文字在编码转换中已经丢失，请从原始文件重新整理")
    if (repaired := find_mojibake(value)) is not None:
        shown = repaired if len(repaired) <= 40 else repaired[:40] + "…"
        return _(
            "疑似乱码（以错误的编码读取的文字），原文可能是“%(text)s”；请以正确的编码（UTF-8 或 GBK）重新保存文件"
        ) % {"text": shown}
    if control:
        return _("含有控制字符或乱码字符（%(chars)s）") % {"chars": "、".join(control)}
    return None


# ---------------------------------------------------------------- normalisation


def fold_width(value: str) -> str:
    """Full-width ASCII letters, digits and punctuation to half-width (NFKC on that range only)."""
    return "".join(unicodedata.normalize("NFKC", c) if "\uff01" <= c <= "\uff5e" or c == "\u3000" else c for c in value)


def clean_cell(value: object) -> str:
    """A spreadsheet cell as trimmed text; None becomes ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def is_uuid(value: str) -> bool:
    """Whether ``value`` parses as a UUID (so it can be looked up without a database error)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
