"""Test data for the search page, API and command: units made through the catalog actions (the search sync indexes
them as they are written). The test modules import ``holdings_fixture``; tests ask for ``holdings``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.core.actors import CONSOLE


def make_item(fonds: Fonds, categories: dict, title: str, classification: str = "public", **extra: Any) -> ArchivalUnit:
    data = {"title": title, "category": categories["WS"], "year": 2016, "retention": "Y", "organization": "BGS"}
    return do_create_unit(CONSOLE, fonds, {**data, "classification": classification, **extra})


@pytest.fixture(name="holdings")
def holdings_fixture(fonds, categories) -> dict[str, ArchivalUnit]:
    """Five units that all mention 遵义 and 扶贫, one at each visibility the policy tells apart."""

    def item(title: str, classification: str, openness: str = "pending", **extra: Any) -> ArchivalUnit:
        return make_item(fonds, categories, title, classification, openness=openness, **extra)

    return {
        "open": item(
            "关于遵义地区易地扶贫搬迁工作的通知", "public", "open", responsible="省扶贫办", date=dt.date(2016, 3, 5)
        ),
        "public": item(
            "遵义扶贫资金使用情况的报告", "public", "controlled", year=2017, retention="D30", date=dt.date(2017, 5, 1)
        ),
        "internal": item("遵义市扶贫项目内部通报", "internal", document_number="黔扶办发〔2016〕12号"),
        "secret": item("遵义扶贫规划的请示", "secret"),
        "top": item("遵义扶贫绝密文件", "top_secret"),
    }


VISIBLE = {
    # who → the holdings keys they find with 遵义
    "public": {"open"},
    "system_admin": {"open", "public"},
    "junior_archivist": {"open", "public"},
    "archivist": {"open", "public", "internal", "secret"},  # cleared to 机密: not 绝密
    "operator": {"open", "public", "internal", "secret", "top"},
}
