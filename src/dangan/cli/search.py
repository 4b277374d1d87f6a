"""`dangan search …`: search the catalog from the console, rebuild the search index, check it against the catalog.

Three forms share the word `search`: `dangan search reindex`, `dangan search check`, and `dangan search QUERY …`
(every other first word starts a query). To search for the word "reindex" or "check" itself, quote it as a phrase:
`dangan search '"reindex"'`.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

from dangan.core.actors import CONSOLE

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

MAX_LISTED_IDS = 20
PAGE_SIZE = 100  # the most the search service returns in one page


def register(sub: Any) -> None:
    p = sub.add_parser(
        "search",
        help="全文检索；重建或核对检索索引 / full-text search; rebuild or check the search index",
        usage="dangan search QUERY … [--json] [--limit N] [--fonds CODE]\n"
        "       dangan search reindex\n"
        "       dangan search check",
        description="检索档案目录（控制台操作员可见全部密级），或维护检索索引。\n"
        "Search the catalog (the console operator sees every classification level), or maintain the index.\n\n"
        '  dangan search 易地扶贫 搬迁            检索 / search (words, "phrases", 题名:…, AND/OR/NOT, 日期:1934-1936)\n'
        "  dangan search reindex                 重建索引 / rebuild the whole index (progress on stderr)\n"
        "  dangan search check                   核对索引与目录 / compare the index with the catalog\n\n"
        "检索 reindex 或 check 这个词本身时加引号 / to search for the word itself, quote it: "
        "dangan search '\"reindex\"'",
        epilog="退出码 / exit codes: 检索 search: 0 有无结果均为 0 with or without hits · 2 检索式有误或用法错误 "
        "malformed query or usage; check: 0 索引完好 clean · 1 有缺漏或过期 missing or stale entries",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("words", nargs="+", metavar="QUERY", help="检索式，或 reindex、check / a query, or reindex, check")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果 / print the hits as JSON")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="最多列出 N 条（默认 20）/ list at most N hits")
    p.add_argument("--fonds", default="", metavar="CODE", help="只检索此全宗 / only this fonds")
    p.set_defaults(handler=cmd_search)


def cmd_search(args: argparse.Namespace) -> int:
    words = args.words
    if words[0] in ("reindex", "check") and len(words) == 1:
        if args.json or args.fonds or args.limit != 20:
            raise CommandError(f"{words[0]} 不接受 --json、--limit、--fonds / {words[0]} takes no options")
        return cmd_reindex(args) if words[0] == "reindex" else cmd_check(args)
    return cmd_query(args, " ".join(words))


def cmd_query(args: argparse.Namespace, query: str) -> int:
    from dangan.search.service import SearchRequest, search

    if args.limit < 1:
        raise CommandError("--limit 须为正整数 / --limit must be at least 1")
    params: dict[str, Any] = {"q": query, "size": min(args.limit, PAGE_SIZE)}
    if args.fonds:
        from dangan.catalog.models import Fonds

        fonds = Fonds.objects.filter(code__iexact=args.fonds).first()
        if fonds is None:
            raise CommandError(f"全宗 {args.fonds} 不存在 / no fonds {args.fonds}")
        params["fonds"] = fonds.code
    request = SearchRequest.from_params(params)
    if request.errors:
        raise CommandError("；".join(request.errors.values()))
    result = search(CONSOLE, request)
    if result.error:
        raise CommandError(f"检索式有误 malformed query: {result.error}")
    hits = list(result.hits)
    while len(hits) < min(args.limit, result.total) and result.hits:
        request.page += 1
        result = search(CONSOLE, request)
        hits.extend(result.hits)
    hits = hits[: args.limit]
    if args.json:
        print(json.dumps(_as_json(result, hits), ensure_ascii=False, indent=2))
        return EXIT_OK
    if not hits:
        print("没有找到 / no matches" + (f"（{result.query_description}）" if result.query_description else ""))
        return EXIT_OK
    rows = [(h.unit.reference_code or "—", h.unit.title, f"{h.score:.2f}") for h in hits]
    print(_table(("档号", "题名", "得分 score"), rows))
    shown = f"，列出 {len(hits)} 条 / showing {len(hits)}" if len(hits) < result.total else ""
    print(f"\n共 {result.total} 条 / {result.total} hits{shown} · {result.query_description} · {result.took_ms:.0f} ms")
    return EXIT_OK


def _as_json(result: Any, hits: list[Any]) -> dict[str, Any]:
    return {
        "total": result.total,
        "query_description": result.query_description,
        "took_ms": round(result.took_ms, 1),
        "items": [
            {
                "uuid": str(h.unit.uuid),
                "reference_code": h.unit.reference_code,
                "title": h.unit.title,
                "fonds": h.unit.fonds.code,
                "date": h.unit.date.isoformat() if h.unit.date else None,
                "level": h.unit.level,
                "classification": h.unit.classification,
                "openness": h.unit.openness,
                "score": round(h.score, 4),
                "fulltext_snippet": str(h.fulltext_snippet) if h.fulltext_snippet else None,
            }
            for h in hits
        ],
    }


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]))
    return "\n".join(lines)


def _progress_bar(desc: str) -> tuple[Any, Any]:
    from tqdm import tqdm

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="条", desc=desc, file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    def close() -> None:
        if bar is not None:
            bar.close()

    return progress, close


def cmd_reindex(args: argparse.Namespace) -> int:
    from dangan.search.service import reindex_all

    progress, close = _progress_bar("重建索引 reindexing")
    fulltext_progress, close_fulltext = _progress_bar("全文索引 full text")
    try:
        count = reindex_all(progress, fulltext_progress=fulltext_progress)
    finally:
        close()
        close_fulltext()
    print(f"已重建索引 reindexed: {count} 条 units")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from dangan.search.service import check_index

    progress, close = _progress_bar("核对索引 checking")
    try:
        report = check_index(progress)
    finally:
        close()
    for label, ids in (
        ("缺失 missing", report.missing),
        ("过期 stale", report.stale),
        ("多余 orphaned", report.orphaned),
    ):
        listed = " ".join(str(i) for i in ids[:MAX_LISTED_IDS])
        more = (
            f" …（另 {len(ids) - MAX_LISTED_IDS} 条 / {len(ids) - MAX_LISTED_IDS} more）"
            if len(ids) > MAX_LISTED_IDS
            else ""
        )
        print(f"{label}: {len(ids)}" + (f"  [{listed}{more}]" if ids else ""))
    for problem in report.structure:
        print(f"结构 structure: {problem}")
    if not report.ok:
        print("索引与目录不一致，请运行 dangan search reindex / run dangan search reindex", file=sys.stderr)
        return EXIT_PROBLEMS
    print("索引完好 / the index is up to date")
    return EXIT_OK
