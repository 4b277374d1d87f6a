"""Part stacks: the tree and its codes, placing and moving units with their history, capacity, removal refused
while units are below, check-out and return with overdue warnings, and the pages within what the reader may see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from dangan.conservation.actions.custody import do_check_out, open_checkouts, overdue_count
from dangan.conservation.actions.stacks import (
    do_add_location,
    do_add_locations,
    do_add_stack,
    do_edit_location,
    do_move_location,
    do_move_units,
    do_place,
    do_remove_location,
    range_codes,
)
from dangan.conservation.models import CheckOut, Location, Move, Placement
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db: Any) -> dict[str, Location]:
    """K1 → A (区) → 03 (列) → 2 (层) → boxes 001, 002 (capacity 2 units each)."""
    stack = do_add_stack(CONSOLE, "K1", "一号库房")
    zone = do_add_location(CONSOLE, stack, "A", "zone")
    row = do_add_location(CONSOLE, zone, "03", "row")
    shelf = do_add_location(CONSOLE, row, "2", "shelf", capacity=3)
    boxes = do_add_locations(CONSOLE, shelf, range_codes(1, 2, 3), "box", capacity=2)
    return {"stack": stack, "zone": zone, "row": row, "shelf": shelf, "box1": boxes[0], "box2": boxes[1]}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_tree_keeps_full_codes_through_renames_and_moves(tree: dict[str, Location]) -> None:
    assert tree["box2"].full_code == "K1-A-03-2-002" and tree["box2"].depth == 4
    do_edit_location(CONSOLE, tree["zone"], code="B", name="乙区", capacity=None)
    assert Location.objects.get(pk=tree["box2"].pk).full_code == "K1-B-03-2-002"
    other = do_add_location(CONSOLE, tree["stack"], "C", "zone")
    do_move_location(CONSOLE, Location.objects.get(pk=tree["row"].pk), other)
    box = Location.objects.get(pk=tree["box2"].pk)
    assert box.full_code == "K1-C-03-2-002" and box.depth == 4
    assert sorted(Location.objects.filter(full_code__startswith="K1-B").values_list("full_code", flat=True)) == ["K1-B"]


def test_a_move_with_a_refused_rename_leaves_the_location_where_it_was(
    tree: dict[str, Location], conservation_head: Any
) -> None:
    """The edit form moves and renames in one change: a rename refused (a code taken by a sibling at the new place)
    undoes the move too."""
    other = do_add_location(CONSOLE, tree["stack"], "C", "zone")
    do_add_location(CONSOLE, other, "04", "row")
    row = Location.objects.get(pk=tree["row"].pk)
    page = _client(conservation_head).post(
        f"/manage/conservation/locations/{row.full_code}/edit/",
        {"parent": "K1-C", "code": "04", "name": "", "capacity": "", "version": row.version},
    )
    assert page.status_code == 200 and "同一上级下已有代码" in page.content.decode()
    row.refresh_from_db()
    assert (row.full_code, row.parent_id) == ("K1-A-03", tree["zone"].pk)
    assert Location.objects.get(pk=tree["box2"].pk).full_code == "K1-A-03-2-002"
    assert not AuditEntry.objects.filter(action="conservation.location.move").exists()


def test_the_tree_refuses_bad_codes_reversed_levels_and_duplicates(tree: dict[str, Location], conservator: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        do_add_location(CONSOLE, tree["shelf"], "X-1", "zone")
    assert set(refused.value.message_dict) == {"code", "kind"}
    with pytest.raises(ValidationError, match="同一上级下已有"):
        do_add_location(CONSOLE, tree["zone"], "03", "row")
    with pytest.raises(ValidationError, match="容量不足"):  # the shelf holds 3: two boxes, room for one more
        do_add_locations(CONSOLE, tree["shelf"], ["003", "004"], "box")
    assert Location.objects.filter(parent=tree["shelf"]).count() == 2  # all or nothing
    with pytest.raises(ValidationError, match="不能移到自身"):
        do_move_location(CONSOLE, tree["zone"], tree["row"])
    with pytest.raises(PermissionDenied):  # the tree is the head's
        do_add_stack(conservator, "K9", "九号库房")


def test_placing_and_moving_are_recorded_and_held_to_capacity(
    tree: dict[str, Location], conservator: Any, make_unit: Any
) -> None:
    a, b, c = make_unit(), make_unit(), make_unit()
    first = do_place(conservator, a, tree["box1"], "入库上架")
    assert first.from_code == "" and first.to_code == "K1-A-03-2-001" and first.moved_by == conservator
    do_move_units(conservator, [b], tree["box1"])
    with pytest.raises(ValidationError, match="容量不足"):
        do_place(conservator, c, tree["box1"])
    assert not Placement.objects.filter(unit=c).exists()
    assert Placement.objects.filter(location=tree["box1"]).count() == 2


def test_a_batch_move_is_all_or_nothing_and_leaves_history(
    tree: dict[str, Location], conservator: Any, make_unit: Any
) -> None:
    a, b, c = make_unit(), make_unit(), make_unit()
    do_move_units(conservator, [a, b], tree["box1"])
    with pytest.raises(ValidationError, match="容量不足"):
        do_move_units(conservator, [a, b, c], tree["box2"], "倒架")
    assert set(Placement.objects.values_list("location__code", flat=True)) == {"001"}
    do_move_units(conservator, [a, b], tree["box2"], "倒架")
    history = list(Move.objects.filter(unit=a).order_by("moved_at", "id").values_list("from_code", "to_code", "reason"))
    assert history == [("", "K1-A-03-2-001", ""), ("K1-A-03-2-001", "K1-A-03-2-002", "倒架")]
    assert AuditEntry.objects.filter(action="conservation.move").count() == 2
    do_edit_location(CONSOLE, tree["zone"], code="B", name="", capacity=None)  # history keeps the codes of its time
    assert Move.objects.filter(unit=a).latest("id").to_code == "K1-A-03-2-002"


def test_a_location_with_units_below_cannot_be_removed(
    tree: dict[str, Location], conservator: Any, make_unit: Any
) -> None:
    do_place(conservator, make_unit(), tree["box2"])
    with pytest.raises(ValidationError, match="仍存放有档案"):
        do_remove_location(CONSOLE, tree["zone"])
    assert Location.objects.count() == 6
    do_remove_location(CONSOLE, tree["box1"])
    assert not Location.objects.filter(full_code="K1-A-03-2-001").exists()
    Placement.objects.all().delete()
    do_remove_location(CONSOLE, tree["stack"])
    assert Location.objects.count() == 0


def test_a_conservator_cannot_place_what_the_clearance_hides(
    tree: dict[str, Location], conservation_head: Any, archivist: Any, make_unit: Any
) -> None:
    with pytest.raises(PermissionDenied):
        do_place(conservation_head, make_unit(classification="secret"), tree["box1"])
    with pytest.raises(PermissionDenied):  # the archivists read conservation, they do not place
        do_place(archivist, make_unit(), tree["box1"])


def test_check_out_pages_the_slip_and_overdue_warnings(
    tree: dict[str, Location], conservator: Any, make_unit: Any
) -> None:
    unit = make_unit()
    do_place(conservator, unit, tree["box1"])
    client = _client(conservator)
    due = timezone.localdate() + timedelta(days=3)
    response = client.post(
        "/manage/conservation/checkouts/new/",
        {"unit": unit.reference_code, "purpose": "restoration", "due": due.isoformat(), "taken_by": "李修复"},
    )
    checkout = CheckOut.objects.get(unit=unit)
    assert response.status_code == 302 and checkout.taken_from == tree["box1"]
    slip = client.get(f"/manage/conservation/checkouts/{checkout.pk}/slip.pdf")
    assert slip["Content-Type"] == "application/pdf"
    text = _pdf_text(slip.content)
    assert unit.reference_code in text and "领取人签字" in text and "李修复" in text
    assert overdue_count(conservator) == 0
    CheckOut.objects.filter(pk=checkout.pk).update(due=timezone.localdate() - timedelta(days=1))
    assert overdue_count(conservator) == 1
    page = client.get("/manage/conservation/checkouts/?overdue=1").content.decode()
    assert unit.reference_code in page and "超期" in page
    assert "1 件档案超期未还" in client.get("/manage/conservation/stacks/").content.decode()
    response = client.post(f"/manage/conservation/checkouts/{checkout.pk}/return/", {"returned_by": "李修复"})
    assert response.status_code == 302 and not CheckOut.objects.get(pk=checkout.pk).is_open
    assert overdue_count(conservator) == 0 and not open_checkouts(conservator).exists()


def test_a_unit_above_the_clearance_is_never_shown_or_counted(
    tree: dict[str, Location], conservator: Any, conservation_head: Any, make_unit: Any
) -> None:
    public = make_unit(title="公开的通知")
    secret = make_unit(title="秘密的请示")
    do_move_units(conservator, [public, secret], tree["box1"])
    do_check_out(conservator, secret, "reading", timezone.localdate(), "张三")
    CheckOut.objects.filter(unit=secret).update(due=timezone.localdate() - timedelta(days=2))
    secret.classification = "secret"
    secret.save(update_fields=["classification"])
    head, worker = _client(conservation_head), _client(conservator)
    checkout = CheckOut.objects.get(unit=secret)
    pages = [
        "/manage/conservation/stacks/",
        "/manage/conservation/stacks/capacity/",
        "/manage/conservation/locations/K1/",
        "/manage/conservation/locations/K1-A-03-2/children/",
        "/manage/conservation/locations/K1-A-03-2-001/",
        "/manage/conservation/checkouts/",
        "/manage/conservation/checkouts/?overdue=1",
    ]
    for url in pages:
        shown = head.get(url).content.decode()
        assert secret.title not in shown and secret.reference_code not in shown, url
        assert "2 件" not in shown, url
    assert "1 件" in head.get("/manage/conservation/locations/K1/").content.decode()
    assert head.get(f"/manage/conservation/checkouts/{checkout.pk}/").status_code == 404
    assert head.get(f"/manage/conservation/checkouts/{checkout.pk}/slip.pdf").status_code == 404
    assert worker.get(f"/manage/conservation/checkouts/{checkout.pk}/").status_code == 200
    assert "秘密的请示" in worker.get("/manage/conservation/locations/K1-A-03-2-001/").content.decode()
    for kind in ("box-labels", "spine-labels", "shelf-list", "note-sheet"):
        text = _pdf_text(head.get(f"/manage/conservation/locations/K1-A-03-2-001/pdf/{kind}/").content)
        assert secret.reference_code not in text and secret.title not in text, kind
        assert "共 1 件" in text, kind


def test_the_unit_page_shows_its_location_and_moves(
    tree: dict[str, Location], conservator: Any, archivist: Any, make_unit: Any
) -> None:
    unit = make_unit()
    do_place(conservator, unit, tree["box1"])
    do_place(conservator, unit, tree["box2"], "倒架")
    page = _client(archivist).get(f"/manage/units/{unit.uuid}/").content.decode()
    assert "库房位置" in page and "K1-A-03-2-002" in page and "倒架" in page


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    # pypdf reads the CJK subset fonts' two-byte codes with a NUL between characters (as tests/replication do)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\x00", "")


def test_the_api_reads_the_tree_and_places_units_within_the_clearance(
    tree: dict[str, Location], conservator: Any, conservation_head: Any, archivist: Any, make_unit: Any
) -> None:
    public, secret = make_unit(), make_unit(classification="secret")
    worker, head = _client(conservator), _client(conservation_head)
    url = "/api/conservation/locations/K1-A-03-2-001/units"
    body = {"units": [public.reference_code, secret.reference_code], "reason": "上架"}
    response = worker.post(url, body, content_type="application/json")
    assert response.status_code == 200 and [m["to_code"] for m in response.json()] == ["K1-A-03-2-001"] * 2
    refused = head.post(url, {"units": [secret.reference_code]}, content_type="application/json")
    assert refused.status_code == 422 and Move.objects.count() == 2
    assert _client(archivist).post(url, body, content_type="application/json").status_code == 403
    seen = head.get("/api/conservation/locations/K1-A-03-2-001").json()
    assert [u["reference_code"] for u in seen["placed"]] == [public.reference_code] and seen["units"] == 1
    assert head.get("/api/conservation/locations?parent=K1-A-03-2").json()[0]["units"] == 1
    assert worker.get("/api/conservation/locations").json()[0]["units"] == 2
    assert head.get(f"/api/conservation/units/{secret.uuid}/location").status_code == 404
    moves = worker.get(f"/api/conservation/units/{secret.uuid}/location").json()
    assert moves["location"] == "K1-A-03-2-001" and moves["moves"][0]["reason"] == "上架"


def test_units_ticked_on_a_location_page_move_together_and_the_start_page_warns_of_the_overdue(
    tree: dict[str, Location], conservator: Any, conservation_head: Any, make_unit: Any
) -> None:
    a, b, hidden = make_unit(), make_unit(), make_unit(classification="secret")
    do_move_units(conservator, [a, b, hidden], do_add_location(CONSOLE, tree["shelf"], "003", "box"))
    head = _client(conservation_head)
    page = head.get("/manage/conservation/locations/K1-A-03-2-003/").content.decode()
    assert str(a.uuid) in page and str(hidden.uuid) not in page
    refused = head.post(
        "/manage/conservation/stacks/move/", {"unit": [str(a.uuid), str(hidden.uuid)], "to": "K1-A-03-2-002"}
    )
    assert refused.status_code == 200 and "所选档案无法识别" in refused.content.decode()
    assert Placement.objects.filter(location=tree["box2"]).count() == 0
    moved = head.post(
        "/manage/conservation/stacks/move/",
        {"unit": [str(a.uuid), str(b.uuid)], "to": "K1-A-03-2-002", "reason": "倒架"},
    )
    assert moved.status_code == 302
    assert set(Placement.objects.filter(location=tree["box2"]).values_list("unit", flat=True)) == {a.pk, b.pk}
    assert "overdue" in head.get("/manage/conservation/").content.decode()  # the start page loads the warning
    assert head.get("/manage/conservation/checkouts/overdue/").content.decode().strip() == ""
    do_check_out(conservator, hidden, "reading", timezone.localdate(), "张三")
    do_check_out(conservator, a, "reading", timezone.localdate(), "李四")
    CheckOut.objects.update(due=timezone.localdate() - timedelta(days=1))
    assert "有 1 件档案超期未还" in head.get("/manage/conservation/checkouts/overdue/").content.decode()
    assert "有 2 件档案超期未还" in _client(conservator).get("/manage/conservation/checkouts/overdue/").content.decode()
