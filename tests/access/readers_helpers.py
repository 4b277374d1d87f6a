"""Helpers of the readers tests: valid identity numbers, and readers registered through the real actions."""

from __future__ import annotations

import itertools
from typing import Any

from dangan.access.identity import DocumentType, resident_id_check_character

OWN_PASSWORD = "Qiandong-Reader-2024"
_serial = itertools.count(101)


def resident_id(birth: str = "19900101", area: str = "520102") -> str:
    """A valid 18-digit 居民身份证 number (its check character computed), a new one at each call."""
    first17 = f"{area}{birth}{next(_serial) % 1000:03d}"
    return first17 + resident_id_check_character(first17)


def registration(**overrides: Any) -> dict[str, Any]:
    """The fields of an online registration (form names), valid unless overridden."""
    data: dict[str, Any] = {
        "real_name": "王小明",
        "document_type": DocumentType.RESIDENT_ID,
        "document_number": resident_id(),
        "phone": "13812345678",
        "organisation": "贵州大学历史学院",
        "username": "",
        "password": OWN_PASSWORD,
        "password_again": OWN_PASSWORD,
        "consent": "on",
    }
    data.update(overrides)
    return data


def self_registered(**overrides: Any) -> Any:
    """A reader's profile registered online through ``do_self_register``."""
    from dangan.access.actions.readers import do_self_register

    data = registration(**overrides)
    return do_self_register(
        username=data["username"],
        password=data["password"],
        real_name=data["real_name"],
        document_type=data["document_type"],
        document_number=data["document_number"],
        phone=data["phone"],
        organisation=data["organisation"],
        consent=bool(data["consent"]),
    )
