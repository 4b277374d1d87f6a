"""Search at scale: a generated catalog (default 1,000,000 units) with planted documents; indexing rate, query
latency with facet counts, and relevance against judged queries — on SQLite, or PostgreSQL with --database-url.

Targets (issue #3): reindex ≥ 5,000 units/s; p95 < 50 ms for 1–3 word queries with facet counts; recall@20 ≥ 0.95
and the expected best hit in the top 3 for ≥ 90 % of the judged queries. Baseline in the same run: a plain
``title LIKE '%…%'`` scan (count and first page, same visibility filter, no facets).

    python bench/search_bench.py [--units 1000000] [--quick] [--samples 200] [--database-url postgres://…]
                                 [--home DIR [--reuse]]

Full text (issue #14: the OCR text of scanned pages, field 全文): indexing throughput in MB/s of UTF-8 text against
the analyzer alone over the same pieces (the floor), in the same run; the peak memory of one 300-page unit; the
latency of one-word searches that reach the full text.

    python bench/search_bench.py --fulltext [--fulltext-units 10] [--pages 300] [--rounds 3] [--quick]
                                 [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
import uuid
from pathlib import Path

from dangan.core.actors import CONSOLE

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, reset_postgres_database, setup_django, summarize_ms, table
from hierarchy_bench import COLUMNS as UNIT_COLUMNS

# The catalog's columns written by the loader: the hierarchy bench's, and those issue #13 added (no DB default).
COLUMNS = (*UNIT_COLUMNS, "version", "disposed")

QUERIES_FILE = Path(__file__).with_name("search_queries.json")

PLACES = [
    "遵义",
    "赤水",
    "毕节",
    "黔东南",
    "六盘水",
    "铜仁",
    "安顺",
    "凯里",
    "都匀",
    "兴义",
    "黔西",
    "威宁",
    "织金",
    "习水",
    "仁怀",
    "湄潭",
    "余庆",
    "榕江",
    "从江",
    "雷山",
]
TOPICS = [
    "易地扶贫搬迁",
    "产业扶贫",
    "教育扶贫",
    "健康扶贫",
    "疫情防控",
    "复工复产",
    "核酸检测",
    "疫苗接种",
    "红色文化",
    "革命文物",
    "脱贫攻坚",
    "乡村振兴",
    "农村危房改造",
    "小康社会建设",
    "防汛抗旱",
    "土地整治",
    "粮食生产",
    "基础设施建设",
    "农村公路",
    "饮水安全",
]
KINDS = [
    "工作方案",
    "实施意见",
    "通知",
    "报告",
    "请示",
    "批复",
    "会议纪要",
    "统计表",
    "工作总结",
    "验收报告",
    "检查情况通报",
    "资金分配方案",
    "情况汇报",
    "考核办法",
    "应急预案",
]
ISSUERS = [
    "县人民政府",
    "县扶贫开发办公室",
    "县卫生健康局",
    "县疫情防控指挥部",
    "县文化广电旅游局",
    "州人民政府",
    "市发展和改革委员会",
    "县财政局",
    "县农业农村局",
    "县交通运输局",
    "县水务局",
    "县教育局",
    "县委办公室",
    "县民政局",
    "乡人民政府",
]
# Planted: names that the background vocabulary never contains (长征在贵州, 脱贫攻坚 landmarks).
RARE = [
    ("猴场会议", "猴場會議"),
    ("苟坝会议", "苟壩會議"),
    ("强渡乌江", "強渡烏江"),
    ("黎平会议", "黎平會議"),
    ("通道转兵", "通道轉兵"),
    ("鸡鸣三省", "雞鳴三省"),
    ("扎西会议", "扎西會議"),
    ("青杠坡战斗", "青槓坡戰鬥"),
    ("土城战役", "土城戰役"),
    ("娄山关大捷", "婁山關大捷"),
    ("乌江天险", "烏江天險"),
    ("茅台渡口", "茅臺渡口"),
    ("二郎滩渡口", "二郎灘渡口"),
    ("桐梓会议", "桐梓會議"),
    ("鲁班场战斗", "魯班場戰鬥"),
    ("打鼓新场", "打鼓新場"),
    ("遵义会址", "遵義會址"),
    ("红军烈士陵园", "紅軍烈士陵園"),
    ("乌蒙山区", "烏蒙山區"),
    ("海雀村", "海雀村"),
    ("麻山地区", "麻山地區"),
    ("瑶族聚居区", "瑤族聚居區"),
    ("月亮山区", "月亮山區"),
    ("华溪村", "華溪村"),
    ("花茂村", "花茂村"),
    ("塘约村", "塘約村"),
    ("新冠肺炎救治", "新冠肺炎救治"),
    ("四渡赤水纪念馆", "四渡赤水紀念館"),
]


def planted_docs() -> list[tuple[str, str, str, str]]:
    """(key, title, notes, responsible) of the planted documents; key names the judged role."""
    out = []
    for n, (name, trad) in enumerate(RARE):
        out.append((f"{n}:best", f"{name}档案汇编", f"本卷收录{name}相关文件、电报与回忆", "省档案馆"))
        out.append((f"{n}:memoir", f"关于{name}的回忆录", "", "县政协文史委员会"))
        out.append((f"{n}:trad", f"{trad}史料選編", "", "省政协"))
        out.append((f"{n}:notes", f"{PLACES[n % 20]}{TOPICS[n % 20]}{KINDS[n % 15]}", f"其中附有{name}的照片", ""))
    return out


def judged_queries() -> list[dict]:
    """Each query with its relevant planted keys and the expected best hit."""
    queries = []
    for n, (name, trad) in enumerate(RARE):
        relevant = [f"{n}:best", f"{n}:memoir", f"{n}:trad", f"{n}:notes"]
        queries.append({"q": name, "relevant": relevant, "best": f"{n}:best", "kind": "word"})
        queries.append({"q": trad, "relevant": relevant, "best": f"{n}:best", "kind": "traditional"})
        if len(name) >= 4 and n % 2 == 0:
            queries.append({"q": name[:3], "relevant": relevant, "best": f"{n}:best", "kind": "substring"})
    return queries


def generate_rows(total: int, fonds_id: int, category_id: int, seed: int = 3):
    """Yield unit rows: the planted documents first (ids 1…), then background items."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).isoformat()
    planted = planted_docs()

    def row(uid, title, notes, responsible, public: bool):
        r = rng.random()
        if public:
            classification, openness = "public", "open"
        else:
            classification = "public" if r < 0.85 else ("internal" if r < 0.97 else "secret")
            openness = "open" if r < 0.6 else ("controlled" if r < 0.7 else "pending")
        year = rng.randint(1935, 2024)
        date = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        return (
            uid,
            now,
            now,
            uuid.uuid4().hex,
            "item",
            uid,
            0,
            0,
            year,
            rng.choice(["Y", "D30", "D10"]),
            "BGS",
            uid,
            f"Z109-WS·{year}-Y-BGS-{uid:07d}",
            "[]",
            f"黔府发〔{year}〕{uid % 300}号",
            responsible,
            title,
            date.isoformat(),
            "day",
            rng.randint(1, 40),
            classification,
            openness,
            "",
            "",
            "",
            notes,
            False,
            fonds_id,
            None,
            None,
            category_id,
            1,
            False,
        )

    uid = 0
    for _key, title, notes, responsible in planted:
        uid += 1
        yield row(uid, title, notes, responsible, True)
    while uid < total:
        uid += 1
        place = rng.choice(PLACES)
        title = f"{place}{rng.choice(ISSUERS)}关于{rng.choice(PLACES)}{rng.choice(TOPICS)}的{rng.choice(KINDS)}"
        notes = ""
        if rng.random() < 0.3:
            notes = f"内容涉及{rng.choice(PLACES)}{rng.choice(TOPICS)}，附{rng.choice(KINDS)}"
        yield row(uid, title, notes, f"{place}{rng.choice(ISSUERS)}", False)


def load(total: int) -> None:
    from django.db import connection, transaction

    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.models import Fonds, RecordCategory
    from dangan.core.actions.institution import do_ensure_institution

    do_ensure_institution(CONSOLE, "BENCH", "基准测试档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    category = RecordCategory.objects.get(code="WS")
    rows = generate_rows(total, fonds.pk, category.pk)
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    start = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with (
                connection.connection.cursor() as cur,
                cur.copy(f"COPY catalog_archivalunit ({cols}) FROM STDIN") as cp,
            ):
                for r in rows:
                    cp.write_row(r)
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence('catalog_archivalunit', 'id'), "
                    "(SELECT max(id) FROM catalog_archivalunit))"
                )
        else:
            sql = f"INSERT INTO catalog_archivalunit ({cols}) VALUES ({', '.join('?' for _ in COLUMNS)})"
            raw = connection.connection
            chunk: list[tuple] = []
            for r in rows:
                chunk.append(r)
                if len(chunk) == 50_000:
                    raw.executemany(sql, chunk)
                    chunk.clear()
            if chunk:
                raw.executemany(sql, chunk)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE catalog_archivalunit" if connection.vendor == "postgresql" else "ANALYZE")
    Fonds.objects.filter(pk=fonds.pk).update(unit_count=total, top_level_count=total)
    progress(f"  {total:,} units loaded in {time.perf_counter() - start:.1f} s")


def latency_queries(rng: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        words = i % 3 + 1
        pool = [rng.choice(PLACES), rng.choice(TOPICS), rng.choice(KINDS), rng.choice(RARE)[0]]
        out.append(" ".join(rng.sample(pool, words)))
    return out


def measure_latency(samples: int) -> list[list[object]]:
    from django.contrib.auth.models import AnonymousUser

    from dangan.catalog.models import ArchivalUnit
    from dangan.catalog.policy import unit_filter
    from dangan.core.models import User
    from dangan.search.service import SearchRequest, search

    cleared, _created = User.objects.get_or_create(
        username="bench-cleared", defaults={"role": "archivist", "clearance": "top_secret"}
    )
    users = {"anonymous (公开 + 开放)": AnonymousUser(), "archivist cleared for all": cleared}
    rng = random.Random(5)
    queries = latency_queries(rng, samples)
    rows = []
    # Two passes over the same queries: the first searches after the rebuild (on PostgreSQL, no term has its
    # matches kept yet: each common word's first search reads them through the GIN index), then the same again.
    passes = [(f"{label}, {when}", user) for when in ("first after rebuild", "again") for label, user in users.items()]
    for user in users.values():
        search(user, SearchRequest(q="预热"))  # loads the segmenter and the columns; matches nothing common
    for label, user in passes:
        times, by_words = [], {1: [], 2: [], 3: []}
        for q in queries:
            t = time.perf_counter()
            result = search(user, SearchRequest(q=q))
            elapsed = time.perf_counter() - t
            assert result.error is None and result.facets is not None
            times.append(elapsed)
            by_words[len(q.split())].append(elapsed)
        baseline = []
        for q in queries[: max(10, samples // 10)]:
            t = time.perf_counter()
            qs = ArchivalUnit.objects.filter(unit_filter(user))
            for w in q.split():
                qs = qs.filter(title__contains=w)
            qs.count()
            list(qs.order_by("id")[:20])
            baseline.append(time.perf_counter() - t)
        base = summarize_ms(baseline)
        for words, s in by_words.items():
            st = summarize_ms(s)
            rows.append(
                [
                    f"search, {words} word(s), {label}",
                    len(s),
                    st["p50"],
                    st["p95"],
                    base["p95"] / st["p95"],
                    "PASS" if st["p95"] < 50 else "FAIL",
                ]
            )
        st = summarize_ms(times)
        rows.append(
            [
                f"search, all, {label}",
                len(times),
                st["p50"],
                st["p95"],
                base["p95"] / st["p95"],
                "PASS" if st["p95"] < 50 else "FAIL",
            ]
        )
        rows.append([f"baseline: title LIKE scan, {label}", len(baseline), base["p50"], base["p95"], 1.0, "—"])
    return rows


def measure_relevance() -> tuple[list[list[object]], bool]:
    from dangan.core.models import User
    from dangan.search.service import SearchRequest, search

    judged = json.loads(QUERIES_FILE.read_text(encoding="utf-8"))
    ids = {key: n for n, (key, *_rest) in enumerate(planted_docs(), 1)}
    user = User.objects.get(username="bench-cleared")
    recalls, top3, failures = [], 0, []
    for item in judged["queries"]:
        hits = [h.unit.pk for h in search(user, SearchRequest(q=item["q"], size=20)).hits]
        relevant = {ids[k] for k in item["relevant"]}
        recalls.append(len(relevant & set(hits)) / len(relevant))
        if ids[item["best"]] in hits[:3]:
            top3 += 1
        else:
            failures.append(item["q"])
    recall = sum(recalls) / len(recalls)
    share = top3 / len(judged["queries"])
    ok = recall >= 0.95 and share >= 0.9
    rows = [
        ["judged queries", len(judged["queries"]), "", ""],
        ["mean recall@20", f"{recall:.3f}", "≥ 0.95", "PASS" if recall >= 0.95 else "FAIL"],
        ["expected best hit in top 3", f"{share:.1%}", "≥ 90 %", "PASS" if share >= 0.9 else "FAIL"],
    ]
    if failures:
        progress(f"  best hit not in top 3 for: {failures}")
    return rows, ok


# Full text ---------------------------------------------------------------------------------------------------------


def fulltext_pages(seed: int, pages: int, chars_per_page: int = 700) -> str:
    """A unit's OCR-like text: pages of sentences from common words, the places and topics above, a line break
    every 24 characters (a column of a vertical page), every third unit in traditional characters."""
    from dangan.search.analysis import _T2S

    rng = random.Random(seed)
    vocabulary = _fulltext_vocabulary()
    out = []
    for n in range(pages):
        page: list[str] = [f"第{n + 1}页"]
        length = 0
        while length < chars_per_page:
            words = [rng.choice(vocabulary) for _ in range(rng.randint(4, 12))]
            if rng.random() < 0.3:
                words.insert(rng.randint(0, len(words)), rng.choice(PLACES) + rng.choice(TOPICS))
            sentence = "".join(words) + rng.choice("，，，。；")
            page.append(sentence)
            length += len(sentence)
        text = "".join(page)
        out.append("\n".join(text[i : i + 24] for i in range(0, len(text), 24)))
    text = "\n\n".join(out)
    if seed % 3 == 0:
        simplified_to_traditional = {v: chr(k) for k, v in _T2S.items() if len(v) == 1 and "\u4e00" <= v <= "\u9fff"}
        text = text.translate(str.maketrans(simplified_to_traditional))
    return text


_VOCABULARY: list[str] = []


def _fulltext_vocabulary() -> list[str]:
    """The 6,000 most frequent words of two to four Chinese characters in jieba's dictionary."""
    if not _VOCABULARY:
        import jieba

        entries = []
        with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as f:
            for line in f:
                word, freq, *_ = line.split()
                if 2 <= len(word) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in word):
                    entries.append((int(freq), word))
        _VOCABULARY.extend(w for _f, w in sorted(entries, reverse=True)[:6000])
    return _VOCABULARY


def fulltext_bench(args: argparse.Namespace) -> int:
    """Indexing throughput of full text (MB of UTF-8 per second) against the analyzer alone over the same pieces,
    the cost of saving a unit whose text did not change, the memory one 300-page unit takes, and query latency."""
    import statistics
    import tracemalloc

    if args.database_url:
        reset_postgres_database(args.database_url)
    setup_django(args.database_url, args.home)
    from django.db import connection

    from dangan.search import analysis
    from dangan.search.fulltext import pieces, register_fulltext_provider
    from dangan.search.models import FullTextEntry
    from dangan.search.service import SearchRequest, search
    from dangan.search.sync import index_fulltext, index_units

    units = args.fulltext_units
    load(max(units, 1000))
    ids = list(range(1, units + 1))
    progress(f"generating {units} units × {args.pages} pages …")
    texts = {i: fulltext_pages(i, args.pages) for i in ids}
    megabytes = sum(len(t.encode()) for t in texts.values()) / 1e6
    characters = sum(len(t) for t in texts.values())
    index_units(range(1, max(units, 1000) + 1))  # the unit index first (its own figures are above)
    register_fulltext_provider("bench", lambda wanted: {i: texts[i] for i in wanted if i in texts})

    def clear() -> None:
        from dangan.search.backends import get_backend

        get_backend().delete_fulltext(ids)
        analysis._clear_caches()

    def analyse_only() -> None:
        for text in texts.values():
            for piece in pieces(text):
                analysis.analysis_of(piece)

    rows = []
    runs = {"analysis": [], "index": [], "unchanged": []}
    for _round in range(args.rounds):
        clear()
        progress("  the analyzer alone …")
        start = time.perf_counter()
        analyse_only()
        runs["analysis"].append(time.perf_counter() - start)
        clear()
        progress("  index_fulltext …")
        start = time.perf_counter()
        index_fulltext(ids)
        runs["index"].append(time.perf_counter() - start)
        progress(f"    analysis {runs['analysis'][-1]:.1f} s, index {runs['index'][-1]:.1f} s")
        start = time.perf_counter()
        index_fulltext(ids)
        runs["unchanged"].append(time.perf_counter() - start)
    assert FullTextEntry.objects.count() == units
    base = statistics.median(runs["analysis"])
    for name, label in (
        ("analysis", "baseline: the analyzer alone over the same pieces"),
        ("index", "index_fulltext (providers, analysis, write, commit)"),
        ("unchanged", "index_fulltext again, texts unchanged (digest check only)"),
    ):
        seconds = statistics.median(runs[name])
        rows.append(
            [label, f"{megabytes:,.1f}", seconds, megabytes / seconds, characters / seconds / 1000, seconds / base]
        )

    # Memory: one 300-page unit indexed alone.
    one = ids[0]
    texts[one] = fulltext_pages(1, 300)
    clear()
    tracemalloc.start()
    index_fulltext([one])
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    big_mb = len(texts[one].encode()) / 1e6

    # Latency of searches that reach the full text (the console sees every unit's files).
    rng = random.Random(5)
    vocabulary = _fulltext_vocabulary()
    queries = [rng.choice(vocabulary) for _ in range(args.samples)]
    timings = []
    for q in queries:
        start = time.perf_counter()
        search(CONSOLE, SearchRequest(q=q))
        timings.append(time.perf_counter() - start)
    latency = summarize_ms(timings)

    print(f"\n### Search — full text, {connection.vendor}, {units} units × {args.pages} pages\n")
    print(table(["step", "MB", "seconds", "MB/s", "k chars/s", "× baseline"], rows))
    print()
    print(
        table(
            ["measure", "value"],
            [
                [f"peak Python memory indexing one 300-page unit ({big_mb:.2f} MB of text)", f"{peak / 1e6:.1f} MB"],
                [
                    f"search reaching the full text, p50 / p95 ms ({len(queries)} one-word queries)",
                    f"{latency['p50']:.1f} / {latency['p95']:.1f}",
                ],
            ],
        )
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--database-url", default=None, help="postgres://… (the database is dropped and recreated)")
    parser.add_argument("--quick", action="store_true", help="100,000 units, 100 samples")
    parser.add_argument("--write-queries", action="store_true", help="(re)write bench/search_queries.json")
    parser.add_argument(
        "--home",
        default=None,
        help="keep the SQLite database in this DANGAN_HOME (default: a new temporary one)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --home: measure again over the catalog loaded by an earlier run (clears the index, reindexes)",
    )
    parser.add_argument(
        "--reindex-only", action="store_true", help="measure reindex_all only (no latency, relevance or check)"
    )
    parser.add_argument(
        "--fulltext",
        action="store_true",
        help="measure the indexing of full text (OCR text of scanned pages) instead: MB/s against the analyzer alone",
    )
    parser.add_argument("--fulltext-units", type=int, default=10, help="with --fulltext: units with full text")
    parser.add_argument("--pages", type=int, default=300, help="with --fulltext: pages of text per unit")
    parser.add_argument("--rounds", type=int, default=3, help="with --fulltext: rounds (medians are reported)")
    args = parser.parse_args()
    if args.fulltext:
        if args.quick:
            args.fulltext_units, args.pages, args.rounds, args.samples = 5, 100, 1, 20
        return fulltext_bench(args)
    if args.write_queries:
        QUERIES_FILE.write_text(
            json.dumps(
                {
                    "note": "generated by search_bench.py --write-queries; keys name planted documents",
                    "queries": judged_queries(),
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
        return 0
    if args.quick:
        args.units, args.samples = 100_000, 100
    reuse = args.reuse and args.home is not None
    if args.database_url and not reuse:
        reset_postgres_database(args.database_url)
    setup_django(args.database_url, args.home)
    from django.db import connection

    from dangan.catalog.models import ArchivalUnit
    from dangan.search.backends import get_backend
    from dangan.search.service import check_index, reindex_all

    if reuse and ArchivalUnit.objects.exists():
        args.units = ArchivalUnit.objects.count()
        progress(f"reusing {args.units:,} units in {connection.vendor}; clearing the index …")
        get_backend().clear()
    else:
        progress(f"loading {args.units:,} units into {connection.vendor} …")
        load(args.units)
    progress("reindex_all …")
    start = time.perf_counter()
    last = [0.0]

    def report(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            progress(f"  {done:,}/{total:,} indexed")

    count = reindex_all(report)
    elapsed = time.perf_counter() - start
    rate = count / elapsed
    if args.reindex_only:
        print(f"\n### Search — {connection.vendor}, {args.units:,} units, reindex only\n")
        verdict = "PASS" if rate >= 5000 else "FAIL"
        print(
            table(
                ["step", "units", "seconds", "units/s", "≥ 5,000/s"], [["reindex_all", count, elapsed, rate, verdict]]
            )
        )
        return 0 if rate >= 5000 else 1
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    progress("latency …")
    latency = measure_latency(args.samples)
    progress("relevance …")
    relevance, relevance_ok = measure_relevance()
    t = time.perf_counter()
    check_ok = check_index().ok
    check_s = time.perf_counter() - t
    print(f"\n### Search — {connection.vendor}, {args.units:,} units\n")
    print(
        table(
            ["step", "units", "seconds", "units/s", "≥ 5,000/s"],
            [
                ["reindex_all", count, elapsed, rate, "PASS" if rate >= 5000 else "FAIL"],
                ["check_index", count, check_s, count / check_s, "ok" if check_ok else "NOT OK"],
            ],
        )
    )
    print()
    print(table(["query", "samples", "p50 ms", "p95 ms", "speed-up vs LIKE (p95)", "p95 < 50 ms"], latency))
    print()
    print(table(["relevance", "value", "target", ""], relevance))
    ok = rate >= 5000 and relevance_ok and all(r[-1] != "FAIL" for r in latency)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
