"""Django's own Chinese messages read like dangan's: 您, full-width punctuation, one space between Chinese and Latin
letters or digits and none elsewhere (src/dangan/locale/zh_Hans overrides the ones that did not)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import django
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dangan.core.models import User
from tests.conftest import PASSWORD

DJANGO = Path(django.__file__).parent
# The catalogs of the parts of Django that dangan installs and whose messages a user can meet.
CATALOGS = ["conf/locale", "contrib/auth/locale", "contrib/contenttypes/locale", "contrib/humanize/locale"]
NOT_PROSE = {"yes,no,maybe"}  # a list of three words for the yesno filter, separated by commas by definition

CJK = "[\u3400-\u9fff]"
FULL_WIDTH = "，。：；！？“”‘’（）、《》"
RULES = {
    "你 instead of 您": re.compile("你"),
    "a space between two Chinese words": re.compile(f"{CJK} +{CJK}"),
    "a space at full-width punctuation": re.compile(f" [{FULL_WIDTH}]|[{FULL_WIDTH}] "),
    "half-width punctuation in Chinese": re.compile(f"{CJK}[,.:;!?)]|[,:;!?(]{CJK}|\\) ?{CJK}|{CJK} ?\\("),
    "no space between Chinese and Latin or digits": re.compile(f"{CJK}[A-Za-z0-9]|[A-Za-z0-9]{CJK}"),
}
# What a placeholder stands for decides the spaces around it: Chinese words (a field's or a model's name) take
# none, numbers and Latin words take one.
CHINESE_PLACEHOLDERS = {
    "username",
    "verbose_name",
    "verbose_name_plural",
    "field_label",
    "field_labels",
    "model_name",
    "model",
    "field_name",
    "field",
    "date_field_label",
    "date_field",
    "delta",
    "ct_name",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)([sdrif])|%([sdrif])|\{(\w+)\}")


def _sample(text: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4) or ""
        if name in CHINESE_PLACEHOLDERS:
            return "名称"
        if (match.group(2) or match.group(3)) == "d":
            return "3"
        return "abc"

    return PLACEHOLDER.sub(value, text)


def problems(text: str) -> list[str]:
    sample = _sample(text)
    return [rule for rule, pattern in RULES.items() if pattern.search(sample)]


def _entries(path: Path) -> list[dict[str, str]]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural (unescaped)."""
    entries, current, key = [], {}, ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                entries.append(current)
            current, key = {}, ""
        elif match := re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line):
            key = match.group(1)
            current[key] = ast.literal_eval(f'"{match.group(2)}"')
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
    return entries


def django_messages() -> list[dict[str, str]]:
    found = []
    for catalog in CATALOGS:
        found.extend(_entries(DJANGO / catalog / "en" / "LC_MESSAGES" / "django.po"))
    return [entry for entry in found if entry["msgid"] not in NOT_PROSE]


def chinese(entry: dict[str, str]) -> list[str]:
    """What a Chinese user reads for this message (one and many, where it has a plural)."""
    context, msgid, plural = entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural")
    with translation.override("zh-hans"):
        if plural and context:
            return [translation.npgettext(context, msgid, plural, n) for n in (1, 5)]
        if plural:
            return [translation.ngettext(msgid, plural, n) for n in (1, 5)]
        if context:
            return [translation.pgettext(context, msgid)]
        return [translation.gettext(msgid)]


def test_the_rules_catch_what_django_ships():
    assert problems("你的密码不能全都是数字。")
    assert problems("密码跟 %(verbose_name)s 太相似了。")
    assert problems("选择一个有效的选项。 %(value)s 不在可用的选项中。")
    assert problems("CSRF验证失败. 请求被中断.")
    assert not problems("密码长度太短，至少需要 %d 个字符。")
    assert not problems("请输入一个正确的%(username)s和密码。注意，两者都区分大小写。")


def test_every_django_message_a_user_can_meet_reads_like_dangan():
    messages = django_messages()
    assert len(messages) > 300  # the catalogs were found
    bad = {}
    for entry in messages:
        for text in chinese(entry):
            if text == entry["msgid"] and re.search("[A-Za-z]{2,} [A-Za-z]{2,}", text):
                bad[entry["msgid"]] = "not translated"
            elif found := problems(text):
                bad[entry["msgid"]] = f"{text} ({', '.join(found)})"
    assert bad == {}


pytestmark = pytest.mark.django_db


def test_sign_in_errors_read_as_intended(institution, archivist):
    response = Client().post(reverse("core:login"), {"username": "archivist", "password": "wrong"})
    assert "请输入一个正确的用户名和密码。注意，两者都区分大小写。" in response.content.decode()


def test_the_password_page_reads_as_intended(institution, archivist):
    client = Client()
    client.force_login(archivist)
    page = client.get(reverse("core:password_change")).content.decode()
    assert "您的密码不能与您的其他个人信息太相似。您的密码不能是常用密码。" in page
    assert "你" not in page

    def refused(new: str) -> str:
        data = {"current_password": PASSWORD, "new_password": new, "new_password_again": new}
        return client.post(reverse("core:password_change"), data).content.decode()

    assert "密码与用户名太相似。" in refused("Archivist1!")
    assert "密码长度太短，至少需要 10 个字符。" in refused("Ab1!")
    text = refused("1234567890")
    assert "密码只包含数字。" in text
    assert "你" not in text
    assert User.objects.get(pk=archivist.pk).check_password(PASSWORD)
