"""The query language: words, phrases, fields, operators and their precedence, date ranges, and the messages a
person sees for a query the parser cannot read."""

from __future__ import annotations

import datetime

import pytest

from dangan.search.query import (
    FIELDS,
    MAX_DEPTH,
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    And,
    DateRange,
    Not,
    Or,
    ParsedQuery,
    QuerySyntaxError,
    Term,
    describe,
    is_prefix_term,
    parse_query,
)


def root(q: str) -> object:
    return parse_query(q).root


def test_empty_query() -> None:
    assert parse_query("") == ParsedQuery(None, None, ())
    assert parse_query(" \u3000 ") == ParsedQuery(None, None, ())


def test_words_are_anded_and_chinese_terms_kept_whole() -> None:
    assert root("遵义会议") == Term("遵义会议")
    assert root("遵义会议 娄山关") == And((Term("遵义会议"), Term("娄山关")))


def test_precedence_not_and_or() -> None:
    assert root("a OR b AND NOT c") == Or((Term("a"), And((Term("b"), Not(Term("c"))))))
    assert root("遵义 会议 或 赤水") == Or((And((Term("遵义"), Term("会议"))), Term("赤水")))
    assert root("(遵义 或 赤水) 会议") == And((Or((Term("遵义"), Term("赤水"))), Term("会议")))
    assert root("遵义 与 赤水 或 娄山关 与 非 纪念馆") == Or(
        (And((Term("遵义"), Term("赤水"))), And((Term("娄山关"), Not(Term("纪念馆")))))
    )
    assert root("a OR b OR c") == Or((Term("a"), Term("b"), Term("c")))


def test_minus_is_not_but_a_hyphen_inside_a_word_is_not() -> None:
    assert root("遵义会议 -纪念馆") == And((Term("遵义会议"), Not(Term("纪念馆"))))
    assert root("Z109-WS") == Term("Z109-WS")
    assert root('遵义 -"会议 会址"') == And((Term("遵义"), Not(Term("会议 会址", phrase=True))))
    assert root("遵义 非 非 赤水") == And((Term("遵义"), Term("赤水")))


def test_chinese_operators_only_as_standalone_words() -> None:
    assert root("非法 或者 会议") == And((Term("非法"), Term("或者"), Term("会议")))
    assert root("遵义或赤水") == Term("遵义或赤水")
    assert root("遵义 或 赤水") == Or((Term("遵义"), Term("赤水")))
    assert root("遵义 非 赤水") == And((Term("遵义"), Not(Term("赤水"))))
    assert root('遵义 "或"') == And((Term("遵义"), Term("或", phrase=True)))
    assert root("遵义 or 赤水") == And((Term("遵义"), Term("or"), Term("赤水")))


def test_phrases_with_ascii_and_chinese_quotes() -> None:
    assert root('"四渡 赤水"') == Term("四渡 赤水", phrase=True)
    assert root("“四渡赤水”") == Term("四渡赤水", phrase=True)
    assert root("「四渡赤水」 『娄山关』") == And((Term("四渡赤水", phrase=True), Term("娄山关", phrase=True)))
    assert root('"遵义  或  赤水"') == Term("遵义 或 赤水", phrase=True)


def test_fields() -> None:
    assert set(FIELDS.values()) == {
        "title",
        "responsible",
        "reference_code",
        "document_number",
        "subjects",
        "fulltext",
    }
    parsed = parse_query('题名:遵义会议 责任者:"中革 军委" 档号：Z109-WS 文号:黔府发 主题词:扶贫')
    assert parsed.root == And(
        (
            Term("遵义会议", "title"),
            Term("中革 军委", "responsible", phrase=True),
            Term("Z109-WS", "reference_code"),
            Term("黔府发", "document_number"),
            Term("扶贫", "subjects"),
        )
    )
    assert parsed.fields == ("title", "responsible", "reference_code", "document_number", "subjects")
    assert root("title:遵义 Responsible:红军 code:Z109 number:1 subject:长征") == And(
        (
            Term("遵义", "title"),
            Term("红军", "responsible"),
            Term("Z109", "reference_code"),
            Term("1", "document_number"),
            Term("长征", "subjects"),
        )
    )
    assert root("題名:遵義") == Term("遵義", "title")
    assert root("题名:(遵义 或 赤水) 会议") == And((Or((Term("遵义", "title"), Term("赤水", "title"))), Term("会议")))
    assert root("10:30") == Term("10:30")


def test_full_width_operators_and_punctuation_fold() -> None:
    assert root("（遵义　ＯＲ　赤水）　－纪念馆") == And((Or((Term("遵义"), Term("赤水"))), Not(Term("纪念馆"))))
    assert root("题名：＂娄山关＂") == Term("娄山关", "title", phrase=True)
    assert root("Ｚ１０９") == Term("Z109")


@pytest.mark.parametrize(
    ("q", "start", "end"),
    [
        ("日期:1934-1936", datetime.date(1934, 1, 1), datetime.date(1936, 12, 31)),
        ("日期:1935", datetime.date(1935, 1, 1), datetime.date(1935, 12, 31)),
        ("日期:1935-01-15..1935-02-01", datetime.date(1935, 1, 15), datetime.date(1935, 2, 1)),
        ("日期:..1949", None, datetime.date(1949, 12, 31)),
        ("日期:1949..", datetime.date(1949, 1, 1), None),
        ("日期:1935-02", datetime.date(1935, 2, 1), datetime.date(1935, 2, 28)),
        ("日期:1935年1月", datetime.date(1935, 1, 1), datetime.date(1935, 1, 31)),
        ("日期:19350115", datetime.date(1935, 1, 15), datetime.date(1935, 1, 15)),
        ("日期:1934—1936", datetime.date(1934, 1, 1), datetime.date(1936, 12, 31)),
        ("date:1911~1949", datetime.date(1911, 1, 1), datetime.date(1949, 12, 31)),
        ('日期:"1934 - 1936"'.replace(" - ", "-"), datetime.date(1934, 1, 1), datetime.date(1936, 12, 31)),
    ],
)
def test_date_ranges(q: str, start: datetime.date | None, end: datetime.date | None) -> None:
    parsed = parse_query(q)
    assert parsed.root is None
    assert parsed.date_range == DateRange(start, end)


def test_date_range_with_terms() -> None:
    parsed = parse_query("题名:遵义会议 日期:1934-1936")
    assert parsed.root == Term("遵义会议", "title")
    assert parsed.date_range == DateRange(datetime.date(1934, 1, 1), datetime.date(1936, 12, 31))
    # a date range with exclusions only is a query: the range bounds it
    assert parse_query("日期:1935 -会议").root == Not(Term("会议"))


def test_describe() -> None:
    assert describe(parse_query("题名:遵义会议 日期:1934-1936")) == "题名含“遵义会议” 且 日期 1934—1936"
    assert describe(parse_query('遵义 或 "四渡 赤水"')) == "“遵义” 或 短语“四渡 赤水”"
    assert describe(parse_query("遵义 -纪念馆 日期:..1949")) == "“遵义” 且 不含“纪念馆” 且 日期 1949 及以前"
    assert describe(parse_query("(遵义 或 赤水) 会议")) == "(“遵义” 或 “赤水”) 且 “会议”"
    assert describe(parse_query("遵义 或 赤水 日期:1935-01")) == "(“遵义” 或 “赤水”) 且 日期 1935-01"
    assert describe(parse_query("日期:1935-01-15..1935-02-01")) == "日期 1935-01-15—1935-02-01"
    assert describe(parse_query("日期:1949..")) == "日期 1949 及以后"
    assert describe(parse_query("")) == ""


@pytest.mark.parametrize(
    ("q", "position", "fragments"),
    [
        ('"遵义', 0, ["没有配对", '"四渡赤水"']),
        ("遵义 “会议", 3, ["没有配对"]),
        ('""', 0, ["引号里没有内容"]),
        ("(遵义 或 赤水", 0, ["左括号", "没有配对"]),
        ("(", 0, ["左括号", "没有配对"]),
        ("遵义)", 2, ["右括号", "没有配对"]),
        ("()", 0, ["括号里没有内容"]),
        ("遵义 或", 3, ["“或”后面缺少检索词", "遵义 或 赤水"]),
        ("或 遵义", 0, ["“或”前面缺少检索词"]),
        ("遵义 AND", 3, ["“AND”后面缺少检索词"]),
        ("遵义 与 或 赤水", 3, ["“与”后面缺少检索词"]),
        ("遵义 非", 3, ["“非”后面缺少检索词"]),
        ("遵义 -", 3, ["减号", "遵义会议 -纪念馆"]),
        ("(遵义 非)", 4, ["“非”后面缺少检索词"]),
        ("题名:", 0, ["缺少检索词", "题名:遵义会议"]),
        ("题名: 遵义", 0, ["缺少检索词"]),
        ("作者:毛泽东", 0, ["不认识的字段", "责任者:"]),
        ("标题:遵义", 0, ["不认识的字段", "题名:"]),
        ("年代:1935", 0, ["日期:"]),
        ("foo:bar", 0, ["不认识的字段", "加引号"]),
        ("日期:", 0, ["缺少检索词", "日期:1934-1936"]),
        ("日期:1936-1934", 0, ["开始晚于结束"]),
        ("日期:1935-13", 0, ["不存在"]),
        ("日期:1935-02-30", 0, ["不存在"]),
        ("日期:三五年", 0, ["看不懂日期"]),
        ("日期:..", 0, ["两端都是空的"]),
        ("遵义 日期:1934 日期:1935", 11, ["只能有一个日期范围"]),
        ("遵义 或 日期:1935", 5, ["不能用“或”连接"]),
        ("(遵义 日期:1935)", 4, ["不能放在括号里"]),
        ("非 日期:1935", 0, ["日期范围不能排除"]),
        ("非 遵义", 0, ["只有排除条件"]),
        ("-遵义 -赤水", 0, ["只有排除条件"]),
        ("遵义 或 -赤水", 0, ["“或”的每一边"]),
    ],
)
def test_malformed_queries_raise_helpful_errors(q: str, position: int, fragments: list[str]) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(q)
    error = raised.value
    assert isinstance(error, ValueError)
    assert error.position == position
    for fragment in fragments:
        assert fragment in error.message
    assert str(error) == error.message


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "“",
        "(",
        ")",
        ":",
        "：",
        "-",
        "--",
        "(((",
        ")))",
        "题名:(",
        "a:b:c",
        "日期:(",
        "非",
        "与",
        "或 或",
        "日期:-",
        '题名:"',
        "\x00",
        "日期:0000",
        "日期:99999",
        "((遵义) 或 (赤水)",
        "-(",
        "遵义 -( 赤水 )",
        "題名:“”",
    ],
)
def test_odd_input_raises_only_query_syntax_errors(q: str) -> None:
    try:
        parse_query(q)
    except QuerySyntaxError as error:
        assert error.message and 0 <= error.position <= len(q)


def test_deep_long_and_crowded_queries_are_refused_with_a_message_not_a_recursion_error() -> None:
    deep = "(" * 300 + "遵义" + ")" * 300  # once a RecursionError, and a 500 from the API
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(deep)
    assert "括号套得太深" in raised.value.message and raised.value.position == MAX_DEPTH
    assert parse_query("(" * MAX_DEPTH + "遵义" + ")" * MAX_DEPTH).root == Term("遵义")

    with pytest.raises(QuerySyntaxError) as raised:
        parse_query("遵义 " * 400)
    assert "检索式太长" in raised.value.message and f"最多 {MAX_QUERY_LENGTH} 个字符" in raised.value.message

    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(" ".join(f"w{n}" for n in range(MAX_TERMS + 1)))
    assert "检索词太多" in raised.value.message

    # A long run of NOTs is read in a loop: an even number cancels out.
    assert parse_query("遵义 " + "-" * (MAX_QUERY_LENGTH - 10) + "赤水").root == And((Term("遵义"), Term("赤水")))
    assert parse_query("遵义 非 非 非 赤水").root == And((Term("遵义"), Not(Term("赤水"))))


def test_an_unquoted_reference_code_term_is_a_prefix() -> None:
    code = parse_query("档号:Z1").root
    assert code == Term("Z1", "reference_code") and is_prefix_term(code)
    assert describe(parse_query("档号:Z1")) == "档号以“Z1”开头"
    quoted = parse_query('档号:"Z109-WS"').root
    assert not is_prefix_term(quoted)  # a quoted code is matched word for word
    assert not is_prefix_term(parse_query("题名:遵义").root)
