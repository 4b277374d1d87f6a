"""match_spans: where a query matches inside a unit's full text, in offsets of the original text, through the
analyzer's folding (繁简 both ways, full width), across line breaks, for every positive term of the query."""

from __future__ import annotations

import pytest

from dangan.search.fulltext import chunks, match_spans, prepare_text


def shown(text: str, query: str) -> list[str]:
    return [text[s:e] for s, e in match_spans(text, query)]


def test_simplified_query_finds_traditional_text_and_back() -> None:
    text = "中華民國二十四年一月，遵義會議決議。"
    assert match_spans(text, "遵义会议") == [(11, 15)]
    assert shown("遵义会议在此召开", "遵義會議") == ["遵义会议"]


def test_full_width_and_case_fold() -> None:
    text = "ＡＢＣ公司与abc合作，Abc"
    assert shown(text, "abc") == ["ＡＢＣ", "abc", "Abc"]
    assert shown("第１２３号文件", "123") == ["１２３"]


def test_latin_terms_match_whole_words_only() -> None:
    assert match_spans("abcd abc xabc", "abc") == [(5, 8)]


def test_repeated_words_each_found() -> None:
    assert match_spans("會議會議，会议", "会议") == [(0, 2), (2, 4), (5, 7)]


def test_multi_word_query_and_field_prefix_ignored() -> None:
    text = "红军长征，长征胜利。"
    assert shown(text, "长征 胜利") == ["长征", "长征", "胜利"]
    assert match_spans(text, "全文:胜利") == match_spans(text, "胜利") == [(7, 9)]
    assert shown(text, "题名:红军 OR 胜利") == ["红军", "胜利"]


def test_negated_terms_are_not_matches() -> None:
    assert shown("遵义会议纪念馆", "遵义 -纪念馆") == ["遵义"]


def test_a_word_across_a_line_break_is_one_span() -> None:
    text = "一九三五年一月在遵\n义召开会议"
    assert match_spans(text, "遵义") == [(8, 11)]
    assert shown("第一页末尾遵义\n\n会议", "遵义会议") == ["遵义\n\n会议"]


def test_punctuation_and_phrases() -> None:
    text = "“遵义会议”、（娄山关）：战斗！"
    assert shown(text, '"娄山关"') == ["娄山关"]
    assert shown(text, "遵义会议，娄山关") == []  # one term with the comma inside: not in the text as such
    assert shown(text, "遵义会议 娄山关") == ["遵义会议", "娄山关"]


def test_offsets_after_characters_that_fold_to_several() -> None:
    text = "㈱公司成立於１９３５年"
    assert shown(text, "株") == ["㈱"]
    assert shown(text, "1935") == ["１９３５"]
    assert shown(text, "成立于") == ["成立於"]


def test_phrase_conversions_keep_their_meaning() -> None:
    assert shown("乾隆年間檔案", "乾隆") == ["乾隆"]


def test_nothing_to_match() -> None:
    assert match_spans("", "遵义") == []
    assert match_spans("遵义", "") == []
    assert match_spans("遵义", "，。") == []
    assert match_spans("遵义会议", '"未闭合') == []


def test_broken_query_still_matches_its_words() -> None:
    assert shown("红军长征", "长征 (") == ["长征"]


@pytest.mark.parametrize("size", [10, 57, 4000])
def test_chunks_cover_every_ngram(size: int) -> None:
    text = prepare_text("红军长征经过遵义，\n召开会议。" * 40 + "无标点的很长的一段文字" * 30)
    pieces = list(chunks(text, size))
    assert all(len(p) <= size for p in pieces)
    joined = set()
    for p in pieces:
        joined.update(p[i : i + 4] for i in range(len(p) - 3))
    grams = {text[i : i + 4] for i in range(len(text) - 3)}
    assert {g for g in grams if g.isalnum()} <= joined  # every four characters of a run of letters


def test_prepare_joins_chinese_across_line_breaks_only() -> None:
    assert prepare_text("遵义\n会议 Red\nArmy 一\n2") == "遵义会议 Red\nArmy 一\n2"


def test_pieces_by_page_and_piece_at() -> None:
    from dangan.search.fulltext import piece_at, pieces

    text = "第一页遵\n义会议\n\n在遵\n\n义召开" + "\n\n" + "长" * 30 + "\n\n \n\n末页"
    found = list(pieces(text, size=12))
    # Each page alone, layout breaks between Chinese characters dropped, the next page's first characters
    # added where a word may run across the break; a long page in overlapping pieces.
    assert found == [
        "第一页遵义会议在遵",
        "在遵义召开",
        "义召开长长长",
        "长" * 12,
        "长" * 12,
        "长" * 12 + "末页",
        "末页",
    ]
    assert all(piece_at(text, n, size=12) == piece for n, piece in enumerate(found))
    assert piece_at(text, len(found), size=12) is None
