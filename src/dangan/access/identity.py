"""Identity documents and phone numbers of readers (查档人): validation and masking.

The 18-digit 居民身份证 number (GB 11643-1999) ends with a check character computed from the first seventeen digits
(ISO 7064 MOD 11-2); a mistyped number is refused at registration instead of being found wrong at the desk. Numbers
are kept in full (staff check them against the document in person) but shown in full only to holders of
``Capability.READERS``: everywhere else, the audit log included, they are masked (``5201**********1234``).
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_RESIDENT = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_OTHER = re.compile(r"^[0-9A-Za-z()（）\-]{4,32}$")


class DocumentType(models.TextChoices):
    """有效身份证件的种类."""

    RESIDENT_ID = "resident_id", gettext_lazy("居民身份证")
    PASSPORT = "passport", gettext_lazy("护照")
    HK_MACAO = "hk_macao", gettext_lazy("港澳居民来往内地通行证")
    TAIWAN = "taiwan", gettext_lazy("台湾居民来往大陆通行证")
    PERMANENT_RESIDENCE = "permanent_residence", gettext_lazy("外国人永久居留身份证")
    OTHER = "other", gettext_lazy("其他")


def resident_id_check_character(first17: str) -> str:
    """The 18th character of a 居民身份证 number whose first seventeen digits are ``first17``."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize_document_number(document_type: str, number: str) -> str:
    """The number as kept: spaces removed, letters upper-case (a lower-case x is the check character X)."""
    return re.sub(r"\s+", "", number or "").upper()


def validate_document(document_type: str, number: str) -> str:
    """The normalized number, or ValidationError (on the field ``document_number``) with a Chinese message."""
    if document_type not in DocumentType.values:
        raise ValidationError({"document_type": _("请选择有效的证件类型。")})
    value = normalize_document_number(document_type, number)
    if not value:
        raise ValidationError({"document_number": _("请填写证件号码。")})
    if document_type == DocumentType.RESIDENT_ID:
        if not _RESIDENT.match(value):
            raise ValidationError({"document_number": _("居民身份证号码应为 18 位：17 位数字加 1 位数字或 X。")})
        if resident_id_check_character(value[:17]) != value[17]:
            raise ValidationError({"document_number": _("居民身份证号码的校验位不正确，请核对后重新填写。")})
        try:
            born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        except ValueError:
            raise ValidationError({"document_number": _("居民身份证号码中的出生日期无效。")}) from None
        if born.year < 1880 or born > dt.date.today():
            raise ValidationError({"document_number": _("居民身份证号码中的出生日期无效。")})
    elif not _OTHER.match(value):
        raise ValidationError({"document_number": _("证件号码应为 4–32 位字母、数字或括号、连字符。")})
    return value


def validate_mobile(phone: str) -> str:
    """An 11-digit mainland mobile number (spaces and hyphens ignored), or ValidationError on ``phone``."""
    value = re.sub(r"[\s\-]", "", phone or "")
    if not _MOBILE.match(value):
        raise ValidationError({"phone": _("请填写 11 位手机号码，例如 13812345678。")})
    return value


def mask_document(number: str) -> str:
    """``5201**********1234``: the first and last four characters of a long number, the last two of a short one."""
    if not number:
        return ""
    if len(number) > 8:
        return number[:4] + "*" * (len(number) - 8) + number[-4:]
    keep = 2 if len(number) > 2 else 0
    return "*" * (len(number) - keep) + number[len(number) - keep :]


def mask_phone(phone: str) -> str:
    """``138****5678``."""
    if not phone:
        return ""
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)
