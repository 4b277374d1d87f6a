"""Hidden parents and hidden numbers, as every role meets them on the pages and in the API.

A 公开 件 lies in a 机密 案卷: the archivist cleared to 内部 (and the system administrator, who reads 公开 only) must
not learn the 案卷's title, code, identifier or existence through the breadcrumbs, the API's ``parent``, the tree's
expand toggle, or the numbers that auto-numbering skips; the archivist cleared to 机密 sees all of it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.choices import UnitLevel
from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import User

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
HIDDEN_TITLE = "机密案卷：某专项工作往来文书"
HIDDEN_CODE = "Z109-WS·2016-Y-JMA-0001"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def internal_archivist(db: Any) -> Any:
    user = User.objects.create(username="neibu", role=Role.ARCHIVIST, clearance=SecurityClassification.INTERNAL)
    user.set_password("correct-horse-battery")
    user.save()
    return user


@pytest.fixture
def holdings(fonds, categories) -> dict[str, ArchivalUnit]:
    ws = categories["WS"]
    series = do_create_unit(CONSOLE, fonds, {"title": "2016年 办公室", "level": UnitLevel.SERIES, "year": 2016})
    hidden_file = do_create_unit(
        CONSOLE,
        fonds,
        {
            "title": HIDDEN_TITLE,
            "level": UnitLevel.FILE,
            "category": ws,
            "year": 2016,
            "retention": "Y",
            "organization": "JMA",
            "item_number": 1,
            "reference_code": HIDDEN_CODE,
            "classification": SecurityClassification.CONFIDENTIAL,
        },
        parent=series,
    )
    item = do_create_unit(
        CONSOLE,
        fonds,
        {"title": "关于召开座谈会的通知", "category": ws, "year": 2016, "retention": "Y", "organization": "BGS"},
        parent=hidden_file,
    )
    # A 公开 案卷 whose only child is 机密: it must not look expandable to those who may not see that child.
    open_file = do_create_unit(CONSOLE, fonds, {"title": "公开案卷", "level": UnitLevel.FILE}, parent=series)
    do_create_unit(
        CONSOLE,
        fonds,
        {"title": "机密件：不可展开", "classification": SecurityClassification.CONFIDENTIAL},
        parent=open_file,
    )
    return {"series": series, "hidden_file": hidden_file, "item": item, "open_file": open_file}


def users(archivist: Any, internal_archivist: Any, junior_archivist: Any, system_admin: Any) -> list[tuple[Any, bool]]:
    """Each role with whether it may see the 机密 案卷."""
    return [(archivist, True), (internal_archivist, False), (junior_archivist, False), (system_admin, False)]


def leaks(text: str, holdings: dict[str, ArchivalUnit]) -> list[str]:
    hidden = holdings["hidden_file"]
    return [s for s in (HIDDEN_TITLE, HIDDEN_CODE, str(hidden.uuid), "机密件") if s in text]


# ---------------------------------------------------------------- breadcrumbs


def breadcrumbs(html: str) -> str:
    return html.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]


def test_breadcrumbs_show_only_what_the_reader_may_see(
    fonds, holdings, archivist, internal_archivist, junior_archivist, system_admin
):
    item = holdings["item"]
    pages = ["catalog:unit_detail", "catalog:unit_edit", "catalog:unit_move", "catalog:unit_delete"]
    for user, sees in users(archivist, internal_archivist, junior_archivist, system_admin):
        client = client_for(user)
        for name in pages:
            response = client.get(reverse(name, args=[item.uuid]))
            if response.status_code == 403:  # the system administrator does not change the catalog
                assert user is system_admin and name != "catalog:unit_detail"
                continue
            crumbs = breadcrumbs(response.content.decode())
            if sees:
                assert HIDDEN_CODE in crumbs and "2016年 办公室" in crumbs, (user.username, name)
            else:
                # Not even the visible series above it: that would place the item under something hidden.
                assert leaks(response.content.decode(), holdings) == [], (user.username, name)
                assert "2016年 办公室" not in crumbs and fonds.code in crumbs, (user.username, name)
        create = client.get(reverse("catalog:unit_create", args=[fonds.code]), {"parent": str(holdings["item"].uuid)})
        if create.status_code == 200:
            assert (HIDDEN_CODE in breadcrumbs(create.content.decode())) is sees, user.username


# ---------------------------------------------------------------- the API's parent field


def test_the_api_parent_field_names_only_visible_parents(
    fonds, holdings, archivist, internal_archivist, junior_archivist, system_admin
):
    item, hidden = holdings["item"], holdings["hidden_file"]
    for user, sees in users(archivist, internal_archivist, junior_archivist, system_admin):
        client = client_for(user)
        body = client.get(f"/api/units/{item.uuid}").json()
        assert body["parent"] == (str(hidden.uuid) if sees else None), user.username
        listed = client.get("/api/units", {"q": "座谈会"}).json()["items"]
        assert [u["parent"] for u in listed] == [body["parent"]], user.username
        # Asking for the children of the hidden 案卷 answers as for a 案卷 that does not exist.
        children = client.get("/api/units", {"parent": str(hidden.uuid)}).json()
        assert [u["title"] for u in children["items"]] == (["关于召开座谈会的通知"] if sees else []), user.username
        assert client.get(f"/api/units/{hidden.uuid}").status_code == (200 if sees else 404)
        series = client.get(f"/api/units/{holdings['series'].uuid}").json()
        assert series["child_count"] == (2 if sees else 1), user.username
        if not sees:
            raw = client.get("/api/units", {"q": "座谈会"}).content.decode()
            assert leaks(raw, holdings) == [], user.username


# ---------------------------------------------------------------- the tree's expand toggle


def test_the_tree_offers_to_expand_only_visible_children(
    fonds, holdings, archivist, internal_archivist, junior_archivist, system_admin
):
    series, open_file = holdings["series"], holdings["open_file"]
    tree_url = reverse("catalog:tree_children", args=[fonds.code])
    toggle = f'aria-controls="children-{open_file.uuid}"'
    for user, sees in users(archivist, internal_archivist, junior_archivist, system_admin):
        client = client_for(user)
        nodes = client.get(tree_url, {"parent": str(series.uuid)}, **HTMX).content.decode()
        assert "公开案卷" in nodes
        assert (toggle in nodes) is sees, user.username
        assert (f'aria-controls="children-{holdings["hidden_file"].uuid}"' in nodes) is sees, user.username
        if not sees:
            assert leaks(nodes, holdings) == [], user.username
            # The children of the hidden 案卷, asked for directly: 404, as for one that does not exist.
            assert client.get(tree_url, {"parent": str(holdings["hidden_file"].uuid)}, **HTMX).status_code == 404
        api = client.get(f"/api/fonds/{fonds.code}/children", {"parent": str(series.uuid)}).json()
        counts = {u["title"]: u["child_count"] for u in api["items"]}
        assert counts["公开案卷"] == (1 if sees else 0), user.username


# ---------------------------------------------------------------- numbering beside hidden units


@pytest.fixture
def numbered_group(fonds, categories) -> dict[str, ArchivalUnit]:
    """WS·2011·Y·BGS holds 0001 (公开), 0002 (机密), 0003 (公开)."""
    ws = categories["WS"]
    data = {"category": ws, "year": 2011, "retention": "Y", "organization": "BGS"}
    return {
        "first": do_create_unit(CONSOLE, fonds, {**data, "title": "公开件一"}),
        "hidden": do_create_unit(CONSOLE, fonds, {**data, "title": "机密件二", "classification": "confidential"}),
        "third": do_create_unit(CONSOLE, fonds, {**data, "title": "公开件三"}),
    }


def test_only_who_sees_the_whole_group_numbers_in_it(
    fonds, categories, numbered_group, archivist, internal_archivist, junior_archivist
):
    """The next number, or a number refused as taken, would tell of the hidden 0002: so an archivist who may not
    see the whole classification group creates units there unnumbered, and may not number by hand; one who sees it
    all numbers as before. The refusal names nothing hidden."""
    url = reverse("catalog:unit_create", args=[fonds.code])
    form = {
        "level": "item",
        "category": categories["WS"].pk,
        "year": "2011",
        "retention": "Y",
        "organization": "BGS",
        "classification": "public",
        "openness": "pending",
    }
    for user in (internal_archivist, junior_archivist):
        client = client_for(user)
        response = client.post(url, {**form, "title": f"{user.username} 的新件"}, follow=True)
        created = ArchivalUnit.objects.get(title=f"{user.username} 的新件")
        assert created.reference_code is None and created.item_number is None
        text = response.content.decode()
        assert "未自动编号" in text and "机密件二" not in text and "0002" not in text
        body = client.post(
            "/api/units",
            {
                "fonds": fonds.code,
                "title": "接口新件",
                "category": "WS",
                "year": 2011,
                "retention": "Y",
                "organization": "BGS",
            },
            content_type="application/json",
        ).json()
        assert body["reference_code"] is None and body["item_number"] is None
        for typed in ({"item_number": "2"}, {"item_number": "4"}, {"reference_code": "Z109-WS·2011-Y-BGS-0002"}):
            refused = client.post(url, {**form, "title": "手工编号", **typed})
            text = refused.content.decode()
            assert refused.status_code == 400 and "您不能在其中编件号或档号" in text, typed
            assert "已被使用" not in text and "机密件二" not in text
        assert not ArchivalUnit.objects.filter(title="手工编号").exists()
        # Editing an unnumbered unit into a number is refused the same way; other edits are not.
        edit = client.patch(f"/api/units/{created.uuid}", {"item_number": 9}, content_type="application/json")
        assert edit.status_code == 422 and "您不能在其中编件号或档号" in edit.json()["detail"]
        assert (
            client.patch(
                f"/api/units/{created.uuid}", {"remarks": "待编号"}, content_type="application/json"
            ).status_code
            == 200
        )

    client = client_for(archivist)
    client.post(url, {**form, "title": "机密档案员的新件"})
    assert ArchivalUnit.objects.get(title="机密档案员的新件").reference_code == "Z109-WS·2011-Y-BGS-0004"
    taken = client.post(url, {**form, "title": "重复", "reference_code": "Z109-WS·2011-Y-BGS-0002"})
    assert "档号 Z109-WS·2011-Y-BGS-0002 已被使用" in taken.content.decode()
    # The junior's unnumbered units are numbered by someone who sees the whole group.
    unnumbered = ArchivalUnit.objects.get(title="junior 的新件")
    assert (
        client.patch(f"/api/units/{unnumbered.uuid}", {"item_number": 5}, content_type="application/json").json()[
            "item_number"
        ]
        == 5
    )
