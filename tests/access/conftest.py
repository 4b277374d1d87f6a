"""Shared fixtures of the access tests: readers and the reading room desk, and units at any 密级 and openness."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from tests.helpers import account


@pytest.fixture
def reader(db: Any) -> Any:
    """A reader's account (查档人) with a real name, no grant."""
    user = account(Role.READER, username="reader-zhang")
    if not user.first_name:
        user.first_name = "张三"
        user.save(update_fields=["first_name"])
    return user


@pytest.fixture
def other_reader(db: Any) -> Any:
    user = account(Role.READER, username="reader-li")
    if not user.first_name:
        user.first_name = "李四"
        user.save(update_fields=["first_name"])
    return user


@pytest.fixture
def access_staff(db: Any) -> Any:
    """The reading room desk (利用服务人员): readers' personal data, requests, reading room; catalog at 公开."""
    return account(Role.ACCESS_STAFF)


@pytest.fixture
def make_unit(fonds: Any, categories: Any) -> Callable[..., Any]:
    """make_unit(title, classification=…, openness=…, **fields) → a new 件 in the fonds Z109 (2011, 永久)."""
    from dangan.catalog.actions.units import do_create_unit

    counter = itertools.count(1)

    def make(title: str = "", **extra: Any) -> Any:
        n = next(counter)
        data = {
            "title": title or f"关于开展脱贫攻坚工作的通知（{n}）",
            "category": categories["WS"],
            "year": 2011,
            "retention": "Y",
            "organization": "BGS",
            "responsible": "贵州省扶贫开发办公室",
            "page_count": 3,
            "classification": SecurityClassification.PUBLIC,
        }
        data.update(extra)
        return do_create_unit(CONSOLE, fonds, data, subjects=["扶贫", "通知"])

    return make
