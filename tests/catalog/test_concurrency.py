"""Several people editing one unit at once, with real threads and real database connections (run this file on
PostgreSQL too: DANGAN_TEST_DATABASE_URL). Every edit path saves only what it changes, to the row as it is under
its lock, and refuses an edit made from an older version: nothing is lost, and the audit log, the search index and
anonymous search agree with the database."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dangan.catalog.actions.units import do_create_unit, do_delete_unit, do_move_unit, do_update_unit
from dangan.catalog.choices import UnitLevel
from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from tests.helpers import run_together

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3

# Eight description fields, each patched by its own thread.
PATCHES: dict[str, Any] = {
    "title": "关于开展脱贫攻坚工作的通知（修订）",
    "responsible": "贵州省扶贫开发办公室",
    "document_number": "黔扶办发〔2016〕12号",
    "remarks": "原件有破损",
    "notes": "与 2015 年卷互见",
    "extent": "1件",
    "physical_location": "3号库 12排",
    "page_count": 7,
}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def patch(client: Client, unit: ArchivalUnit, body: dict[str, Any], **headers: str) -> Any:
    return client.patch(f"/api/units/{unit.uuid}", body, content_type="application/json", headers=headers)


def fresh_unit(fonds: Any, categories: Any, **extra: Any) -> ArchivalUnit:
    data = {"title": "关于开展脱贫攻坚工作的通知", "category": categories["WS"], "year": 2016, "retention": "Y"}
    return do_create_unit(CONSOLE, fonds, {**data, "organization": "BGS", **extra})


def test_eight_threads_patching_eight_fields_keep_all_eight(fonds, categories, archivist):
    for _round in range(ROUNDS):
        unit = fresh_unit(fonds, categories)
        clients = [client_for(archivist) for _ in PATCHES]
        jobs = [
            (lambda c=c, f=f, v=v, u=unit: patch(c, u, {f: v}).status_code)
            for c, (f, v) in zip(clients, PATCHES.items(), strict=True)
        ]
        assert run_together(jobs, raise_first=True) == [200] * len(PATCHES)
        unit.refresh_from_db()
        assert {f: getattr(unit, f) for f in PATCHES} == PATCHES
        assert unit.version == 1 + len(PATCHES)  # each save raised it once
        # The audit log tells the same story: one entry per field, each with that field alone, in version order.
        entries = AuditEntry.objects.filter(action="catalog.unit.update", object_id=str(unit.uuid)).order_by("id")
        assert sorted(f for e in entries for f in e.data["after"]) == sorted(PATCHES)
        assert [e.data["version"] for e in entries] == list(range(2, 2 + len(PATCHES)))


def test_a_concurrent_remark_never_undoes_a_classification_raise(fonds, categories, archivist):
    """The unit ends 秘密, as the audit log says, and anonymous search no longer finds it."""
    anonymous = Client()
    for n in range(ROUNDS):
        unit = fresh_unit(fonds, categories, title=f"娄山关战斗详报第{n}号", openness="open")
        assert anonymous.get("/api/search", {"q": f"娄山关战斗详报第{n}号"}).json()["total"] == 1
        raiser, remarker = client_for(archivist), client_for(archivist)
        statuses = run_together(
            [
                lambda c=raiser, u=unit: patch(c, u, {"classification": "secret"}).status_code,
                lambda c=remarker, u=unit, n=n: patch(c, u, {"remarks": f"第{n}次核对"}).status_code,
            ],
            raise_first=True,
        )
        assert statuses == [200, 200]
        unit.refresh_from_db()
        assert unit.classification == "secret" and unit.remarks == f"第{n}次核对"
        raised = AuditEntry.objects.filter(action="catalog.unit.update", object_id=str(unit.uuid))
        assert [e.data["after"]["classification"] for e in raised if "classification" in e.data["after"]] == ["secret"]
        # The index holds the final 密级: the public does not find the unit, a cleared archivist does.
        assert anonymous.get("/api/search", {"q": f"娄山关战斗详报第{n}号"}).json()["total"] == 0
        found = client_for(archivist).get("/api/search", {"q": f"娄山关战斗详报第{n}号"}).json()
        assert [i["classification"] for i in found["items"]] == ["secret"]


def test_a_stale_version_gets_409_in_chinese_and_nothing_is_saved(fonds, categories, archivist, junior_archivist):
    unit = fresh_unit(fonds, categories)
    first, second = client_for(archivist), client_for(junior_archivist)
    read = first.get(f"/api/units/{unit.uuid}")
    etag = read["ETag"]
    assert etag == '"1"' and read.json()["version"] == 1
    saved = patch(second, unit, {"remarks": "先保存"}, **{"If-Match": etag})
    assert saved.status_code == 200 and saved["ETag"] == '"2"'
    late = patch(first, unit, {"remarks": "后保存"}, **{"If-Match": etag})
    assert late.status_code == 409
    body = late.json()
    assert "已被他人修改" in body["detail"] and body["errors"]["version"] == "2" and late["ETag"] == '"2"'
    assert patch(first, unit, {"remarks": "后保存", "version": 1}).status_code == 409  # the same in the body
    unit.refresh_from_db()
    assert unit.remarks == "先保存" and unit.version == 2
    assert patch(first, unit, {"remarks": "后保存"}, **{"If-Match": '"2"'}).status_code == 200
    assert patch(first, unit, {"remarks": "x"}, **{"If-Match": "abc"}).json()["errors"]["version"].startswith("版本号")
    # Moving and deleting check it too.
    moved = first.post(
        f"/api/units/{unit.uuid}/move", {"parent": None}, content_type="application/json", headers={"If-Match": '"1"'}
    )
    assert moved.status_code == 409
    assert first.delete(f"/api/units/{unit.uuid}", headers={"If-Match": '"1"'}).status_code == 409
    assert ArchivalUnit.objects.filter(pk=unit.pk).exists()


def test_the_edit_form_refuses_a_stale_save_and_keeps_what_was_typed(fonds, categories, archivist, junior_archivist):
    unit = fresh_unit(fonds, categories, remarks="原备注")
    url = reverse("catalog:unit_edit", args=[unit.uuid])
    mine, theirs = client_for(archivist), client_for(junior_archivist)
    assert 'name="version" value="1"' in mine.get(url).content.decode()
    form = {
        "level": "item",
        "category": categories["WS"].pk,
        "year": "2016",
        "retention": "Y",
        "organization": "BGS",
        "item_number": str(unit.item_number),
        "reference_code": unit.reference_code,
        "title": unit.title,
        "classification": "public",
        "openness": "pending",
        "remarks": "原备注",
        "version": "1",
    }
    assert theirs.post(url, {**form, "remarks": "他人先改的备注"}).status_code == 302
    response = mine.post(url, {**form, "title": "我改的题名"})
    text = response.content.decode()
    assert response.status_code == 409
    assert "该档案已被他人修改" in text and "您的修改没有保存" in text
    assert "与您所填不同：“备注”现在保存的是“他人先改的备注”" in text
    assert "我改的题名" in text  # what was typed is still on the form
    assert 'name="version" value="2"' in text  # saving again, after checking, applies the form
    unit.refresh_from_db()
    assert unit.title == "关于开展脱贫攻坚工作的通知" and unit.remarks == "他人先改的备注"
    # Deleted meanwhile: the save finds nothing to change (404), never a server error.
    do_delete_unit(CONSOLE, unit)
    assert mine.post(url, {**form, "version": "2"}).status_code == 404


def test_bulk_renumbering_and_moves_do_not_lose_concurrent_edits(fonds, categories, archivist):
    """Renumbering and moving write only their own columns under the row lock: a description edit made at the
    same time survives, and an edit from before the renumbering (older version) is refused."""
    from dangan.catalog.actions.units import ClassificationGroup, do_renumber_range
    from dangan.utilities.concurrency import EditConflict

    series = do_create_unit(CONSOLE, fonds, {"title": "2016年", "level": UnitLevel.SERIES})
    units = [fresh_unit(fonds, categories, title=f"第{n}件") for n in range(4)]
    group = ClassificationGroup(fonds, categories["WS"], 2016, "Y", "BGS")
    jobs = [
        lambda: do_renumber_range(archivist, group, 1, 4, 11),
        lambda: do_move_unit(archivist, ArchivalUnit.objects.get(pk=units[0].pk), series),
        *[
            (lambda u=u: do_update_unit(archivist, ArchivalUnit.objects.get(pk=u.pk), {"remarks": f"备注{u.pk}"}))
            for u in units
        ],
    ]
    run_together(jobs, raise_first=True)
    for unit in units:
        unit.refresh_from_db()
        assert unit.remarks == f"备注{unit.pk}" and unit.item_number in (11, 12, 13, 14)
    assert ArchivalUnit.objects.get(pk=units[0].pk).parent_id == series.pk
    series.refresh_from_db()
    assert series.child_count == 1
    stale = ArchivalUnit.objects.get(pk=units[1].pk)
    stale.version = 1
    with pytest.raises(EditConflict):
        do_update_unit(archivist, stale, {"title": "旧版本上的修改"}, expected_version=stale.version)
