"""SQLite FTS5 and PostgreSQL give the same answers: one generated catalog of 200 units (simplified and traditional
titles, full-width letters, 档号, 责任者, 附注), twenty queries, and the expected results in
expected_results.json — written once on one engine (DANGAN_SEARCH_WRITE_EXPECTED=1), checked on whichever engine
the suite runs on. Result sets must be equal; in relevance order, so must the leading hits whose scores are
clearly apart."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.django_db

EXPECTED = Path(__file__).with_name("expected_results.json")

PLACES = ["遵义", "娄山关", "赤水", "毕节", "黔东南", "六盘水", "铜仁", "安顺", "凯里", "息烽"]
TOPICS = ["易地扶贫搬迁", "产业扶贫", "疫情防控", "红军长征", "脱贫攻坚", "乡村振兴", "防汛抗旱", "土地改革"]
KINDS = ["通知", "报告", "请示", "批复", "会议纪要", "决议", "统计表", "工作总结"]
ISSUERS = ["县人民政府", "扶贫开发办公室", "卫生健康委员会", "红三军团司令部", "地区行政公署", "中共中央政治局"]
TRADITIONAL = {
    "遵义": "遵義",
    "红军": "紅軍",
    "长征": "長征",
    "扶贫": "扶貧",
    "报告": "報告",
    "决议": "決議",
    "会议": "會議",
    "纪要": "紀要",
    "搬迁": "搬遷",
    "关于": "關於",
    "统计": "統計",
    "县": "縣",
    "铜仁": "銅仁",
}
SPECIAL = [
    ("遵义会议决议", "中共中央政治局", "1935年1月在遵义召开的政治局扩大会议"),
    ("遵義會議決議（抄件）", "中共中央政治局", ""),
    ("红军攻占娄山关战斗详报", "红三军团司令部", "战斗经过与伤亡统计"),
    ("关于ＣＯＶＩＤ－１９疫情防控工作的通知", "卫生健康委员会", "新型冠状病毒 COVID-19"),
    ("ＡＢＣ公司对口帮扶协议书", "ABC公司", "东西部扶贫协作"),
    ("息烽集中营旧址保护规划", "文物局", "含娄山关、遵义会址等保护单位名录"),
]
QUERIES = [
    "遵义会议",
    "遵義會議",
    "娄山",
    "娄山关",
    "扶贫",
    "扶貧 報告",
    "易地扶贫搬迁",
    "疫情 通知",
    "covid",
    "ＣＯＶＩＤ－１９",
    "abc",
    "红军 OR 长征",
    "扶贫 -搬迁",
    "题名:遵义",
    "责任者:政治局",
    "会议纪要",
    "乡村振兴 工作总结",
    "保护",
    "Z109",
    "档号:Z109-WS·193",
    "毕节 统计表",
    "黔东南 OR 铜仁",
    "决议",
]


def _build(fonds: Any) -> None:
    from dangan.catalog.models import ArchivalUnit
    from dangan.search.service import reindex_all

    rng = random.Random(20261125)
    levels = ["public", "public", "public", "internal", "secret"]
    rows = list(SPECIAL)
    while len(rows) < 200:
        title = f"关于{rng.choice(PLACES)}{rng.choice(TOPICS)}{rng.choice(KINDS)}"
        if rng.random() < 0.2:
            for simple, trad in TRADITIONAL.items():
                title = title.replace(simple, trad)
        issuer = rng.choice(PLACES) + rng.choice(ISSUERS)
        notes = rng.choice(["", f"涉及{rng.choice(PLACES)}{rng.choice(TOPICS)}", f"附{rng.choice(KINDS)}一份"])
        rows.append((title, issuer, notes))
    ArchivalUnit.objects.bulk_create(
        ArchivalUnit(
            fonds=fonds,
            title=title,
            responsible=issuer,
            notes=notes,
            reference_code=f"Z109-WS·{1935 + n % 80}-Y-{n:04d}",
            document_number=f"黔府发〔{1935 + n % 80}〕{n}号",
            year=1935 + n % 80,
            classification=levels[n % len(levels)],
            openness="open" if n % 3 else "pending",
        )
        for n, (title, issuer, notes) in enumerate(rows)
    )
    reindex_all()


def _answers(user: Any) -> dict[str, Any]:
    from dangan.search.service import SearchRequest, search

    out: dict[str, Any] = {}
    for q in QUERIES:
        result = search(user, SearchRequest(q=q, size=100))
        assert result.error is None, (q, result.error)
        hits = list(result.hits)
        for page in range(2, (result.total + 99) // 100 + 1):
            hits += search(user, SearchRequest(q=q, size=100, page=page)).hits
        codes = [h.unit.reference_code for h in hits]
        scores = [h.score for h in hits]
        # The leading hits whose scores stand clearly apart from the next one.
        top = []
        for i, code in enumerate(codes[:5]):
            nxt = scores[i + 1] if i + 1 < len(scores) else 0.0
            if scores[i] <= 0 or nxt > scores[i] / 1.3:
                break
            top.append(code)
        out[q] = {"total": result.total, "ids": sorted(codes), "top": top}
    return out


def test_backends_agree(fonds: Any) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from tests.conftest import _make_user

    _build(fonds)
    cleared = _make_user("cleared", "archivist", "top_secret")
    got = {"archivist": _answers(cleared), "anonymous": _answers(AnonymousUser())}
    if os.environ.get("DANGAN_SEARCH_WRITE_EXPECTED"):
        got["_engine"] = connection.vendor
        EXPECTED.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for who in ("archivist", "anonymous"):
        for q in QUERIES:
            want, have = expected[who][q], got[who][q]
            assert have["ids"] == want["ids"], (who, q)
            assert have["total"] == want["total"], (who, q)
            n = min(len(want["top"]), len(have["top"]))
            assert have["top"][:n] == want["top"][:n], (who, q, have["top"], want["top"])
    # Enough of the queries must find something, and some must rank a clear first hit.
    assert sum(1 for q in QUERIES if expected["archivist"][q]["total"]) >= 18
    assert sum(1 for q in QUERIES if expected["archivist"][q]["top"]) >= 4
