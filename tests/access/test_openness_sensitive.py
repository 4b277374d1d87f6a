"""The reviewers' aid (access.sensitive) alone: what it marks in a text, and what it leaves."""

from __future__ import annotations

from dangan.access.sensitive import TermMatcher, excerpts, find_marks, highlight, is_valid_id_number, scan

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(base: str = "52010219850315123") -> str:
    """``base`` (17 digits) with its right check digit."""
    return base + "10X98765432"[sum(int(d) * w for d, w in zip(base, WEIGHTS, strict=True)) % 11]


def kinds(text: str, terms: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in find_marks(text, terms)]


def test_identity_numbers_with_a_right_check_digit_only() -> None:
    good = id_number()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert is_valid_id_number(good) and not is_valid_id_number(wrong)
    assert kinds(f"身份证号{good}。") == [("id_number", good)]
    assert kinds(f"身份证号{wrong}。") == []
    # Part of a longer number (an account number) is no identity number.
    assert kinds(f"账号9{good}") == []


def test_an_x_check_digit_and_full_width_digits() -> None:
    for n in range(1000):
        number = id_number(f"11010519491231{n:03d}")
        if number.endswith("X"):
            break
    wide = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    assert kinds(f"证件{number.lower()}") == [("id_number", number.lower())]
    assert kinds(f"证件{wide}") == [("id_number", wide)]


def test_phone_numbers() -> None:
    assert kinds("电话13812345678，") == [("phone", "13812345678")]
    assert kinds("电话 138-1234-5678") == [("phone", "138-1234-5678")]
    assert kinds("座机0851-85551234") == [("phone", "0851-85551234")]
    # A year, a count or a file number is not a phone number.
    assert kinds("2011年共12345678元，黔府发〔2011〕12号") == []


def test_names_beside_health_or_poverty_words() -> None:
    assert kinds("村民王小明患有肺结核。") == [("private", "王小明患有")]
    assert kinds("张某某系低保户") == [("private", "张某某系低保户")]
    assert kinds("建档立卡贫困户：李四") == [("private", "建档立卡贫困户：李四")]
    # The word alone, or a name far from it, is not marked.
    assert kinds("全省贫困户数量统计表") == []
    far = "王小明" + "同志参加了全县农业生产工作会议并作了发言" + "，会议讨论了医疗救助与疾病预防"
    assert [k for k, _t in kinds(far)] == []


def test_secret_markings() -> None:
    assert kinds("机密★10年") == [("secret", "机密★10年")]
    assert kinds("绝密 文件") == [("secret", "绝密")]
    assert kinds("★") == [("secret", "★")]


def test_words_of_the_list_case_folded() -> None:
    marks = find_marks("关于ABC工程与三线建设", TermMatcher(["abc工程", "三线"]))
    assert [(m.kind, m.text) for m in marks] == [("term", "ABC工程"), ("term", "三线")]
    assert find_marks("没有词", TermMatcher([])) == []


def test_scan_names_the_field_and_highlight_escapes() -> None:
    marks = scan({"title": "<b>王某</b>的病历", "notes": "电话13812345678"})
    assert [(m.field, m.kind) for m in marks] == [("title", "private"), ("notes", "phone")]
    html = highlight("<b>王某</b>的病历", [m for m in marks if m.field == "title"])
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert '<mark class="openness-mark" title="个人健康或贫困信息">' in html


def test_overlapping_marks_are_one_highlight() -> None:
    text = "机密文件"
    marks = find_marks(text, ["机密文件"])
    assert len(marks) == 2
    assert str(highlight(text, marks)).count("<mark") == 1


def test_excerpts_of_a_long_text() -> None:
    text = "正文" * 200 + "电话13812345678" + "正文" * 200
    pieces = excerpts(text, find_marks(text), context=10)
    assert len(pieces) == 1
    assert pieces[0].startswith("…") and pieces[0].endswith("…") and "13812345678</mark>" in pieces[0]
