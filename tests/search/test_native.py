"""The C versions of the analyser's hot loops (``dangan.search._native``) give exactly what the Python versions give:
the same words, the same n-grams, the same tsvector bytes. ``make install`` builds the module; CI requires it
(DANGAN_REQUIRE_NATIVE=1), elsewhere these tests are skipped where it could not be built."""

from __future__ import annotations

import math
import os
import random

import pytest

from dangan.search import analysis
from dangan.search.backends import postgres
from dangan.search.index import analyse

native = analysis._native

pytestmark = pytest.mark.skipif(
    native is None and os.environ.get("DANGAN_REQUIRE_NATIVE") != "1",
    reason="dangan.search._native was not built (no C compiler when installing)",
)

TITLES = [
    "遵义县人民政府关于赤水易地扶贫搬迁的工作方案",
    "中华人民共和国成立以来贵州省的发展",
    "结婚的和尚未结婚的",
    "南京市长江大桥",
    "毕节试验区建设情况汇报",
    "红三军团强渡乌江战斗详报",
    "黔东南州疫情防控指挥部关于核酸检测的应急预案",
    "息烽集中营旧址",
    "乾隆年间档案",
]


def random_runs(count: int, seed: int = 7) -> list[str]:
    """Runs mixing dictionary words, single characters and characters no dictionary holds."""
    rng = random.Random(seed)
    words = [w for w in analysis._get_tokenizer().FREQ if 1 <= len(w) <= 5][:50_000]
    rare = ["\u3400", "\u4dbf", "\U00020000", "〇", "\u9fa5"]
    runs = []
    for _ in range(count):
        parts = [rng.choice(words) if rng.random() < 0.8 else rng.choice(rare) for _ in range(rng.randint(1, 12))]
        runs.append("".join(parts))
    return runs


def test_the_native_module_is_built_where_required() -> None:
    assert native is not None, "make install builds dangan.search._native (needs gcc and the Python headers)"
    assert analysis.NATIVE or os.environ.get("DANGAN_SEARCH_NATIVE") == "0"


def test_cut_is_jiebas_precise_mode_in_both_versions() -> None:
    tokenizer = analysis._get_tokenizer()
    freq, log_total = tokenizer.FREQ, math.log(tokenizer.total)
    for run in TITLES + random_runs(3_000) + ["", "关"]:
        expected = analysis._cut_python(run, freq, log_total)
        assert native.cut(run, freq, log_total) == expected, run
    for run in TITLES:
        assert native.cut(run, freq, log_total) == list(tokenizer.cut(run, HMM=False))


def test_cut_refuses_what_is_not_a_run_and_a_dictionary() -> None:
    with pytest.raises(TypeError):
        native.cut(b"\xe9\x81\xb5", {}, 1.0)
    with pytest.raises(TypeError):
        native.cut("遵义", [("遵义", 1)], 1.0)
    with pytest.raises(TypeError):
        native.cut("遵义", {"遵": "often"}, 1.0)


def test_ngrams_and_start_grams_match_the_python_versions() -> None:
    for run in TITLES + random_runs(500) + ["", "关", "娄山", "娄山关"]:
        grams = native.ngrams(run, analysis.NGRAM_MIN, analysis.NGRAM_MAX)
        assert grams == analysis._ngrams_python(run), run
        assert native.start_grams(grams, analysis.NGRAM_MIN, analysis.NGRAM_MAX) == postgres._start_grams_python(grams)
    # Several runs' n-grams together, as a field holds them: a run's tail that begins another run's n-gram goes.
    joined = list(dict.fromkeys(analysis.ngrams("娄山关口，山关口外，关口")))
    assert native.start_grams(joined, 2, 4) == postgres._start_grams_python(joined)
    with pytest.raises(TypeError):
        native.start_grams(["娄山", 3], 2, 4)


def test_the_tsvector_bytes_are_the_python_ones() -> None:
    """Also past the 16,383 positions a tsvector keeps (positions collapse into the last one) and for a lexeme met
    more than 256 times (its first 256 positions are kept)."""
    body = "；".join(f"第{n}次遵义会议纪要抄件，涉及红三军团与ＣＯＶＩＤ－１９疫情防控" for n in range(1500))
    body += "。息烽集中营旧址，息烽集中营旧址，息烽集中营旧址"
    docs = [
        analyse(1, {"title": "遵義會議決議（抄件）", "responsible": "中共中央政治局", "body": "娄山关"}),
        analyse(2, {"title": "长文档", "body": body, "reference_code": "Z109-WS·1935-Y-0001"}),
        analyse(3, {"title": "", "body": ""}),
        analyse(4, {"subjects": "脱贫攻坚 易地扶贫搬迁", "document_number": "黔府发〔2019〕12号"}),
    ]
    rng = random.Random(3)
    runs = random_runs(400, seed=11)
    for n in range(200):
        texts = {
            "title": "".join(rng.sample(runs, 2)),
            "responsible": rng.choice(runs),
            "body": "，".join(rng.sample(runs, rng.randint(0, 6))),
        }
        docs.append(analyse(10 + n, texts))
    assert max(len(d.words["body"]) + len(d.ngrams["body"]) for d in docs) > 16_383
    for doc in docs:
        assert native.tsvector(postgres._segments(doc), postgres._MAX_POS) == postgres._tsvector_binary_python(doc)


def test_tsvector_refuses_a_malformed_segment() -> None:
    with pytest.raises(TypeError):
        native.tsvector([("t|", ["遵义"], 1)], postgres._MAX_POS)
    with pytest.raises(TypeError):
        native.tsvector([(("t|",), [1], 1, 0)], postgres._MAX_POS)
    assert native.tsvector([], postgres._MAX_POS) == b"\0\0\0\0"


def test_a_texts_words_and_ngrams_are_the_python_ones() -> None:
    """Mixed scripts, punctuation, full-width forms (after normalisation), 〇 and an extension-B character, underscores
    and digits inside words, emoji, runs met again (from the cache) and first (cut then)."""
    tokenizer = analysis._get_tokenizer()
    texts = [
        *TITLES,
        "Z109-WS·1998-Y-BGS-0200006",
        "黔府发〔1998〕206号",
        "一九四〇年十月二十日，〇号文件",
        "𠀀𠀁 在 snake_case_名称 里",
        "红军🎉长征 COVID-19 疫情 α β ½ Ⅻ ٣",
        "内容涉及习水小康社会建设，附报告",
        "",
        "  ",
        "娄山关" * 50,
    ]
    rng = random.Random(5)
    runs = random_runs(300, seed=13)
    texts += ["，".join(rng.sample(runs, 3)) + f" A{n}b_c" for n in range(300)]
    for text in texts:
        normalized = analysis.normalize(text)
        expected = analysis._analyze_python(normalized, tokenizer)
        for _ in range(2):  # the second time from the run cache
            got = native.analyze(
                normalized,
                analysis._run_cache,
                tokenizer.FREQ,
                math.log(tokenizer.total),
                analysis._RUN_CACHE_SIZE,
                analysis._RUN_CACHE_LONGEST,
                analysis.NGRAM_MIN,
                analysis.NGRAM_MAX,
            )
            assert got == expected, text
    small: dict = {}
    for text in texts[:40]:
        args = (tokenizer.FREQ, math.log(tokenizer.total), 3, 8, 2, 4)
        assert native.analyze(analysis.normalize(text), small, *args) == analysis._analyze_python(
            analysis.normalize(text), tokenizer
        )
        assert len(small) <= 3  # a full cache is emptied before the next run goes in
        assert all(len(run) <= 8 for run in small)
