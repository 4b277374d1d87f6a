"""Restoration work (修复): a work order's whole life with its rules — the author cannot approve, the treater cannot
accept, a sent-back plan, the original checked out and returned, the unit's condition the new grade — and the
photographs preserved as a new version of the unit's package."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangan.conservation.actions import restoration as actions
from dangan.conservation.actions.condition import do_record_condition
from dangan.conservation.choices import CheckOutPurpose, ConditionSource, DamageGrade
from dangan.conservation.models import CheckOut, UnitCondition, WorkOrder, WorkOrderPhotograph
from dangan.conservation.models.restoration import WorkOrderStatus as S
from dangan.core.choices import SecurityClassification
from dangan.core.models import AuditEntry
from dangan.core.roles import Role
from dangan.utilities.concurrency import EditConflict
from tests.helpers import account
from tests.preservation.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> Any:
    """The preservation storage root, fresh for the test (as tests/preservation/conftest.py makes it)."""
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    return storage_root()


@pytest.fixture
def second_conservator(db: Any) -> Any:
    """Another conservator, cleared 秘密: accepts what the first treated."""
    return account(Role.CONSERVATOR, SecurityClassification.SECRET, username="conservator-2")


@pytest.fixture
def damaged(conservator: Any, make_unit: Any) -> Any:
    unit = make_unit()
    do_record_condition(conservator, unit, {"mould": 35, "acidification": "5.2"}, ConditionSource.SURVEY)
    return unit


def _due() -> Any:
    return timezone.localdate() + timedelta(days=30)


def _approved(conservator: Any, head: Any, unit: Any) -> WorkOrder:
    order = actions.do_create_work_order(conservator, unit, ["cleaning", "deacidification", "repair"])
    order = actions.do_submit(conservator, order, order.version)
    return actions.do_approve(head, order, order.version)


def test_the_whole_life_of_a_work_order(
    conservator: Any, second_conservator: Any, conservation_head: Any, damaged: Any
) -> None:
    order = actions.do_create_work_order(
        conservator,
        damaged,
        ["cleaning", "deacidification", "repair"],
        materials="楮皮纸、小麦淀粉浆糊",
        estimated_hours=12,
    )
    assert order.number.startswith(f"XF{timezone.localdate().year}-") and order.status == S.DRAFT
    assert order.grade_before == DamageGrade.SPECIAL and "霉变 35%" in order.reason_before
    assert order.damages_before == {"mould": 35, "acidification": "5.2"}

    order = actions.do_submit(conservator, order, order.version)
    with pytest.raises(PermissionDenied, match="权限"):  # a conservator does not approve
        actions.do_approve(conservator, order, order.version)
    order = actions.do_approve(conservation_head, order, order.version, "同意")
    assert order.status == S.APPROVED and order.approved_by == conservation_head

    order = actions.do_start_treatment(conservator, order, order.version, _due(), "李修复")
    checkout = CheckOut.objects.get(unit=damaged)
    assert checkout.is_open and checkout.purpose == CheckOutPurpose.RESTORATION and order.number in checkout.reference
    assert order.status == S.IN_TREATMENT and order.checkout == checkout

    actions.do_record_step(
        conservator, order, "cleaning", "1.5", materials=[{"name": "去离子水", "quantity": "2", "unit": "升"}]
    )
    actions.do_record_step(
        conservator, order, "repair", 6, materials=[{"name": "楮皮纸", "quantity": "3", "unit": "张"}], notes="补缺"
    )
    order.refresh_from_db()
    order = actions.do_finish_treatment(conservator, order, order.version)
    assert order.status == S.AWAITING_ACCEPTANCE

    with pytest.raises(PermissionDenied, match="修复人员以外"):  # the treater may not accept
        actions.do_accept(conservator, order, order.version, {"mould": 0})
    order = actions.do_reject(second_conservator, order, order.version, "补纸颜色不协调")
    assert order.status == S.IN_TREATMENT and order.rejected_reason == "补纸颜色不协调"
    actions.do_record_step(conservator, order, "repair", 2)
    order.refresh_from_db()
    order = actions.do_finish_treatment(conservator, order, order.version)
    order = actions.do_accept(second_conservator, order, order.version, {"mould": 5, "acidification": "6.8"}, "合格")
    assert order.status == S.ACCEPTED and order.grade_after == DamageGrade.MILD
    assert UnitCondition.objects.get(unit=damaged).grade == DamageGrade.SPECIAL  # not until it is back

    order = actions.do_return_original(conservator, order, order.version, "李修复", "完好，页数相符")
    assert order.status == S.RETURNED
    checkout.refresh_from_db()
    assert not checkout.is_open and checkout.returned_by == "李修复"
    condition = UnitCondition.objects.get(unit=damaged)
    assert (condition.grade, condition.source) == (DamageGrade.MILD, ConditionSource.RESTORATION)
    assert condition.damages == {"mould": 5, "acidification": "6.8"}

    assert [e.action for e in order.events.all()] == [
        "create", "submit", "approve", "start", "finish", "reject", "finish", "accept", "return",
    ]  # fmt: skip
    logged = list(
        AuditEntry.objects.filter(action__startswith="conservation.restoration.").values_list("action", flat=True)
    )
    assert logged.count("conservation.restoration.step") == 3 and "conservation.restoration.return" in logged
    # A new order for the unit is possible once the last is returned.
    assert actions.do_create_work_order(conservator, damaged, ["lining"]).grade_before == DamageGrade.MILD


def test_the_author_cannot_approve_their_own_plan(conservation_head: Any, damaged: Any) -> None:
    other_head = account(Role.CONSERVATION_HEAD, SecurityClassification.INTERNAL, username="conservation-head-2")
    order = actions.do_create_work_order(conservation_head, damaged, ["repair"])
    order = actions.do_submit(conservation_head, order, order.version)
    with pytest.raises(PermissionDenied, match="编制人以外"):
        actions.do_approve(conservation_head, order, order.version)
    with pytest.raises(PermissionDenied, match="编制人以外"):
        actions.do_send_back(conservation_head, order, order.version, "自己退回")
    assert actions.allowed_transitions(conservation_head, order) == []
    assert actions.allowed_transitions(other_head, order) == ["approve", "send_back"]
    assert actions.do_approve(other_head, order, order.version).approved_by == other_head


def test_a_sent_back_plan_is_revised_and_submitted_again(
    conservator: Any, conservation_head: Any, damaged: Any
) -> None:
    order = actions.do_create_work_order(conservator, damaged, ["repair"])
    order = actions.do_submit(conservator, order, order.version)
    with pytest.raises(ValidationError) as refused:
        actions.do_send_back(conservation_head, order, order.version, "  ")
    assert "reason" in refused.value.message_dict
    order = actions.do_send_back(conservation_head, order, order.version, "应先去酸")
    assert order.status == S.SENT_BACK and order.sent_back_reason == "应先去酸"
    with pytest.raises(ValidationError, match="退回"):  # not from 退回 straight to treatment
        actions.do_start_treatment(conservator, order, order.version, _due())
    order = actions.do_update_plan(conservator, order, order.version, ["deacidification", "repair"], estimated_hours=8)
    order = actions.do_submit(conservator, order, order.version)
    order = actions.do_approve(conservation_head, order, order.version)
    assert order.treatments == ["deacidification", "repair"] and order.sent_back_reason == ""


def test_each_step_checks_who_and_from_which_status(
    conservator: Any, conservation_head: Any, archivist: Any, damaged: Any, make_unit: Any
) -> None:
    with pytest.raises(PermissionDenied):  # archivists read conservation, they do not plan it
        actions.do_create_work_order(archivist, damaged, ["repair"])
    with pytest.raises(ValidationError, match="保存状况"):  # no condition recorded: survey first
        actions.do_create_work_order(conservator, make_unit(), ["repair"])
    with pytest.raises(ValidationError) as refused:
        actions.do_create_work_order(conservator, damaged, [], estimated_hours="x")
    assert set(refused.value.message_dict) == {"treatments", "estimated_hours"}
    order = actions.do_create_work_order(conservator, damaged, ["repair"])
    with pytest.raises(PermissionDenied):  # the wrong person is told so whatever the status
        actions.do_approve(archivist, order, order.version)
    with pytest.raises(ValidationError, match="未完成"):
        actions.do_create_work_order(conservator, damaged, ["repair"])
    with pytest.raises(ValidationError, match="草稿"):  # a draft is not approved
        actions.do_approve(conservation_head, order, order.version)
    with pytest.raises(ValidationError, match="草稿"):
        actions.do_record_step(conservator, order, "repair", 1)
    order = actions.do_submit(conservator, order, order.version)
    with pytest.raises(PermissionDenied):  # approving needs CONSERVATION_MANAGE
        actions.do_approve(archivist, order, order.version)
    assert WorkOrder.objects.get(pk=order.pk).status == S.SUBMITTED


def test_a_double_submit_is_refused_by_the_version(conservator: Any, conservation_head: Any, damaged: Any) -> None:
    order = actions.do_create_work_order(conservator, damaged, ["repair"])
    stale = order.version
    actions.do_submit(conservator, order, stale)
    with pytest.raises((EditConflict, ValidationError)):
        actions.do_submit(conservator, order, stale)
    order.refresh_from_db()
    approved = actions.do_approve(conservation_head, order, order.version)
    with pytest.raises(EditConflict):  # the same form posted twice
        actions.do_start_treatment(conservation_head, order, order.version, _due())
    actions.do_start_treatment(conservator, approved, approved.version, _due())
    assert CheckOut.objects.filter(unit=damaged).count() == 1
    assert [e.action for e in approved.events.all()] == ["create", "submit", "approve", "start"]


def test_a_bad_acceptance_changes_nothing(
    conservator: Any, second_conservator: Any, conservation_head: Any, damaged: Any
) -> None:
    order = _approved(conservator, conservation_head, damaged)
    order = actions.do_start_treatment(conservator, order, order.version, _due())
    actions.do_record_step(conservator, order, "repair", 1)
    order.refresh_from_db()
    order = actions.do_finish_treatment(conservator, order, order.version)
    with pytest.raises(ValidationError, match="霉变的面积比例"):
        actions.do_accept(second_conservator, order, order.version, {"mould": 150})
    order.refresh_from_db()
    assert order.status == S.AWAITING_ACCEPTANCE and order.grade_after == ""


# ---------------------------------------------------------------- photographs


def test_photographs_are_preserved_as_a_new_version_of_the_units_package(
    conservator: Any, conservation_head: Any, damaged: Any, storage: Any, tmp_path: Path, settings: Any
) -> None:
    from dangan.preservation.models import PackageEvent, PackageFile, PackageVersion

    order = _approved(conservator, conservation_head, damaged)
    images = {}
    for name, seed in (("IMG_0001.JPG", 1), ("IMG_0002.jpeg", 2)):
        path = tmp_path / name
        path.write_bytes(jpeg_bytes(seed))
        images[name] = path
    kept = actions.do_add_photographs(
        conservator, order, "before", [actions.Photo(name, path) for name, path in images.items()]
    )
    base = f"content/conservation/{order.number}/"
    assert [p.logical_path for p in kept] == [base + "before-01.jpg", base + "before-02.jpg"]
    version = PackageVersion.objects.get(package__unit=damaged)  # the first version of the package
    assert kept[0].package_version == f"v{version.number}"
    for photo, source in zip(kept, images.values(), strict=True):
        expected = hashlib.sha256(source.read_bytes()).hexdigest()
        assert photo.sha256 == expected
        row = PackageFile.objects.get(version=version, logical_path=photo.logical_path)
        assert row.sha256 == expected
        stored = Path(settings.STORAGE_ROOT) / row.package.object_path / row.content_path
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == expected  # the file is there, as photographed
    assert PackageEvent.objects.filter(package__unit=damaged, detail__contains=order.number).exists()

    with pytest.raises(ValidationError, match="修复开始后"):  # no after-photographs before the treatment
        actions.do_add_photographs(conservator, order, "after", [actions.Photo("a.jpg", images["IMG_0001.JPG"])])
    order.refresh_from_db()
    order = actions.do_start_treatment(conservator, order, order.version, _due())
    after = tmp_path / "after.jpg"
    after.write_bytes(jpeg_bytes(9))
    (photo,) = actions.do_add_photographs(conservator, order, "after", [actions.Photo("after.jpg", after)])
    assert photo.logical_path == base + "after-01.jpg" and photo.package_version == f"v{version.number + 1}"
    # The new version keeps the before-photographs (a version of the whole package).
    assert PackageFile.objects.filter(version__number=version.number + 1, logical_path__startswith=base).count() == 3
    assert WorkOrderPhotograph.objects.filter(order=order).count() == 3


def test_photographs_must_be_images_and_nothing_is_stored_otherwise(
    conservator: Any, conservation_head: Any, damaged: Any, storage: Any, tmp_path: Path
) -> None:
    from dangan.preservation.models import PackageVersion

    order = _approved(conservator, conservation_head, damaged)
    text = tmp_path / "note.txt"
    text.write_text("不是照片")
    with pytest.raises(ValidationError, match="不是 JPEG"):
        actions.do_add_photographs(conservator, order, "before", [actions.Photo("note.txt", text)])
    assert not PackageVersion.objects.filter(package__unit=damaged).exists()
    assert not WorkOrderPhotograph.objects.exists()


def test_a_unit_with_a_work_order_cannot_simply_be_deleted(conservator: Any, damaged: Any) -> None:
    from dangan.catalog.actions.units import do_delete_unit
    from dangan.catalog.models import ArchivalUnit
    from dangan.core.actors import CONSOLE

    actions.do_create_work_order(conservator, damaged, ["repair"])
    with pytest.raises(ValidationError, match="有修复记录"):
        do_delete_unit(CONSOLE, damaged)
    assert ArchivalUnit.objects.filter(pk=damaged.pk).exists()
