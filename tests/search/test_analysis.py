"""The one analyzer: folding, segmentation with the archival dictionary, the character n-grams, and the users'
dictionary words."""

from __future__ import annotations

import math
from typing import Any

import jieba
import pytest

from dangan.search import analysis
from dangan.search.analysis import (
    ANALYZER_VERSION,
    add_words,
    covering_ngrams,
    index_text,
    ngrams,
    ngrams_of,
    normalize,
    reload_dictionary,
    words,
)


def test_traditional_folds_to_simplified() -> None:
    assert normalize("遵義會議") == "遵义会议"
    assert words("遵義會議") == words("遵义会议") == ["遵义会议"]
    assert ngrams("遵義會議") == ngrams("遵义会议")


def test_phrase_level_conversion_keeps_what_the_phrase_table_says() -> None:
    # 乾 alone becomes 干, but not in 乾隆 (OpenCC's phrase table)
    assert normalize("乾隆年間的檔案") == "乾隆年间的档案"
    assert normalize("乾淨") == "干净"


def test_full_width_and_case_fold() -> None:
    assert normalize("ＺＨＵＮＹＩ") == "zhunyi"
    assert words("Ｚ１０９") == words("z109") == ["z109"]
    assert normalize("遵义\u3000会议  \t 文件") == "遵义 会议 文件"
    assert normalize("ÉCOLE Москва 遵义") == "école москва 遵义"


def test_latin_and_digit_runs_stay_whole_and_punctuation_splits() -> None:
    assert words("Z109-WS") == ["z109", "ws"]
    assert ngrams("Z109-WS") == []
    assert words("《关于1935年的通知》，。！") == ["关于", "1935", "年", "的", "通知"]
    assert words("  ，。 ") == [] and ngrams("") == []


@pytest.mark.parametrize("word", ["娄山关", "四渡赤水", "红三军团", "易地扶贫搬迁", "遵义会议", "黔东南苗族侗族自治州"])
def test_dictionary_words_are_kept_whole(word: str) -> None:
    assert words(word) == [word]


def test_dictionary_words_are_kept_whole_in_titles() -> None:
    assert words("红三军团攻占娄山关的战报") == ["红三军团", "攻占", "娄山关", "的", "战报"]
    assert "易地扶贫搬迁" in words("关于易地扶贫搬迁工作的通知")
    assert "四渡赤水" in words("中央红军四渡赤水战役")


def test_ngrams_are_two_to_four_characters_of_each_chinese_run() -> None:
    assert ngrams_of("娄山关") == ["娄山", "山关", "娄山关"]
    assert ngrams_of("娄山关战斗") == [
        "娄山",
        "山关",
        "关战",
        "战斗",
        "娄山关",
        "山关战",
        "关战斗",
        "娄山关战",
        "山关战斗",
    ]
    assert ngrams_of("关") == []
    # per text: each run's n-grams, each once; runs are not bridged by punctuation or Latin text
    assert ngrams("会议会议") == ["会议", "议会", "会议会", "议会议", "会议会议"]
    assert ngrams("遵义，会议Z109") == ["遵义", "会议"]
    assert ngrams("婁山關") == ["娄山", "山关", "娄山关"]


def test_covering_ngrams() -> None:
    assert covering_ngrams("娄山") == ["娄山"]
    assert covering_ngrams("土地整治") == ["土地整治"]
    assert covering_ngrams("易地扶贫搬迁") == ["易地扶贫", "扶贫搬迁"]
    assert covering_ngrams("四渡赤水纪念馆") == ["四渡赤水", "水纪念馆"]
    assert covering_ngrams("一二三四五六七八九") == ["一二三四", "四五六七", "六七八九"]


def test_index_text_joins_words_and_ngrams() -> None:
    assert index_text("娄山关战斗") == ("娄山关战斗", "娄山 山关 关战 战斗 娄山关 山关战 关战斗 娄山关战 山关战斗")
    assert index_text("红三军团 娄山关") == (
        "红三军团 娄山关",
        "红三 三军 军团 红三军 三军团 红三军团 娄山 山关 娄山关",
    )
    assert index_text("") == ("", "")


def test_segmentation_is_jieba_precise_mode_without_hmm() -> None:
    tokenizer = analysis._get_tokenizer()
    for text in [
        "中华人民共和国成立以来贵州省的发展",
        "结婚的和尚未结婚的",
        "南京市长江大桥",
        "贵州省扶贫开发办公室关于印发方案的通知",
    ]:
        assert analysis._cut(text, tokenizer.FREQ, math.log(tokenizer.total)) == list(tokenizer.cut(text, HMM=False))


def test_returned_lists_are_copies() -> None:
    first = words("娄山关战斗")
    first.append("x")
    assert words("娄山关战斗") == ["娄山关战斗"]


def test_added_words_are_segmented_whole() -> None:
    assert words("青龙嘴档案") != ["青龙嘴", "档案"]
    add_words(["青龙嘴"])
    try:
        assert words("青龙嘴档案") == ["青龙嘴", "档案"]
    finally:
        reload_dictionary()


@pytest.mark.django_db
def test_dictionary_terms_are_picked_up_after_reload(db: Any) -> None:
    from dangan.search.models import DictionaryTerm

    assert words("黑羊箐战斗") != ["黑羊箐", "战斗"]
    DictionaryTerm.objects.create(term="黑羊箐", kind=DictionaryTerm.Kind.PLACE)
    reload_dictionary()
    assert words("黑羊箐战斗") == ["黑羊箐", "战斗"]
    DictionaryTerm.objects.all().delete()
    reload_dictionary()
    assert words("黑羊箐战斗") != ["黑羊箐", "战斗"]


def test_loading_without_a_database_does_not_fail() -> None:
    # No db fixture: database access is blocked, as before migrate; the shipped dictionary still loads.
    reload_dictionary()
    assert words("娄山关") == ["娄山关"]


def test_segmenter_does_not_use_the_global_jieba_instance() -> None:
    analysis.words("娄山关")
    assert analysis._get_tokenizer() is not jieba.dt
    assert analysis._get_tokenizer().tmp_dir


def test_analyzer_version_is_a_string() -> None:
    assert isinstance(ANALYZER_VERSION, str) and ANALYZER_VERSION.startswith("6.")


def test_dictionary_file_is_well_formed() -> None:
    seen = set()
    for line in analysis.ARCHIVAL_DICTIONARY.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        word, freq, tag = line.split(" ")
        assert int(freq) > 0 and tag.isalpha()
        assert normalize(word) == word and analysis._CJK_RUN.fullmatch(word), word
        assert word not in seen, word
        seen.add(word)
    assert len(seen) > 300


@pytest.mark.django_db
def test_loading_before_migrate_does_not_fail(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.search.models import DictionaryTerm

    monkeypatch.setattr(DictionaryTerm._meta, "db_table", "search_table_not_migrated_yet")
    reload_dictionary()
    assert words("娄山关") == ["娄山关"]


def test_lazy_initialisation_builds_one_segmenter_for_all_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    built = []
    real_build = analysis._build

    def counting_build(with_database: bool) -> Any:
        built.append(1)
        return real_build(with_database)

    monkeypatch.setattr(analysis, "_tokenizer", None)
    monkeypatch.setattr(analysis, "_build", counting_build)
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(words("红三军团攻占娄山关"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert built == [1]
    assert results == [["红三军团", "攻占", "娄山关"]] * 4
