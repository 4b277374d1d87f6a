"""The project's own password validators (settings.AUTH_PASSWORD_VALIDATORS; policy in docs/security.md).

Django's validators give the length, common-password, all-digits and similarity checks; these add what 等级保护
asks beyond them: several kinds of character, and never the account's name in any case or spelled backwards.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def character_classes(password: str) -> int:
    """How many of the four kinds a password mixes: upper-case letters, lower-case letters, digits, other characters
    (punctuation, spaces, Chinese characters…)."""
    kinds = set()
    for char in password:
        if "A" <= char <= "Z":
            kinds.add("upper")
        elif "a" <= char <= "z":
            kinds.add("lower")
        elif "0" <= char <= "9":
            kinds.add("digit")
        else:
            kinds.add("other")
    return len(kinds)


class CharacterClassesValidator:
    """At least ``min_classes`` of: upper-case letters, lower-case letters, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = max(1, min(4, min_classes))

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return ngettext(
            "密码须包含大写字母、小写字母、数字、其他符号中的至少 %(count)d 类。",
            "密码须包含大写字母、小写字母、数字、其他符号中的至少 %(count)d 类。",
            self.min_classes,
        ) % {"count": self.min_classes}


class NotLikeUsernameValidator:
    """The password must not contain the username (three characters or more), ignoring case, forwards or backwards.

    Django's similarity validator compares the whole password with the name, so ``Zhangsan@2024`` passes it.
    """

    def validate(self, password: str, user: Any = None) -> None:
        username = str(getattr(user, "username", "") or "").casefold()
        if len(username) < 3:
            return
        folded = password.casefold()
        if username in folded or username[::-1] in folded:
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self) -> str:
        return _("密码不能包含用户名。")
