"""Text helpers shared by importers, validators and search: normalisation and control-character checks."""

from __future__ import annotations

import re
import unicodedata
import uuid

# C0/C1 control characters except tab, newline and carriage return; plus the Unicode replacement character,
# which betrays text decoded with the wrong encoding (DA/T 70 item 1-6).
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ufeff\u200b-\u200f\u2028\u2029]")


def find_bad_characters(value: str) -> list[str]:
    """The control or malformed characters in ``value``, as ``U+XXXX`` codes."""
    return sorted({f"U+{ord(c):04X}" for c in _BAD_CHARS.findall(value)})


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
