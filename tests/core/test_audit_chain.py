"""The audit chain against someone who can write the database but not read the audit key: cutting entries off the
end, changing a column the old hash left out (the account id), removing an entry and recomputing every SHA-256 —
each is detected by `dangan auditlog verify` (exit 1); an untouched log verifies (exit 0); a lost or wrong key is
reported as such; entries written before the keyed chain keep verifying, pinned by one recorded seal."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from dangan.catalog.actions.units import do_create_unit, do_update_unit
from dangan.cli import main
from dangan.core.audit import verify_chain
from dangan.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_key(settings, tmp_path):
    """A key file of the test's own (asked for before the fixtures that write entries)."""
    settings.AUDIT_KEY_FILE = tmp_path / "audit.key"
    return settings.AUDIT_KEY_FILE


def _some_history(fonds, archivist, count: int = 5) -> None:
    for i in range(count):
        unit = do_create_unit(archivist, fonds, {"title": f"件{i}"})
    do_update_unit(archivist, unit, {"title": "改过的题名"})


def _legacy_hash(entry: AuditEntry) -> str:
    """The old scheme's SHA-256, as anyone could compute it: some columns, no key."""
    payload = {
        "timestamp": entry.timestamp.isoformat(),
        "username": entry.username,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "data": entry.data,
        "previous_hash": entry.previous_hash,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def _rehash_as_an_attacker(after_id: int, **columns) -> None:
    """Relink and rehash every entry after ``after_id`` with plain SHA-256 (all an attacker without the key can do),
    setting ``columns`` on each as well."""
    previous = AuditEntry.objects.filter(id__lte=after_id).order_by("-id").values_list("entry_hash", flat=True).first()
    previous = previous or "0" * 64
    for entry in AuditEntry.objects.filter(id__gt=after_id).order_by("id"):
        entry.previous_hash = previous
        for name, value in columns.items():
            setattr(entry, name, value)
        entry.entry_hash = _legacy_hash(entry)
        AuditEntry.objects.filter(pk=entry.pk).update(
            previous_hash=entry.previous_hash, entry_hash=entry.entry_hash, **columns
        )
        previous = entry.entry_hash


def test_an_untouched_log_verifies(fonds, archivist, capsys):
    _some_history(fonds, archivist)
    assert main(["auditlog", "verify"]) == 0
    assert "审计日志完整" in capsys.readouterr().out
    report = verify_chain()  # checked against the anchor the first verification recorded
    assert report.ok and report.checked == AuditEntry.objects.count() and report.anchors >= 1


def test_deleting_the_last_entries_is_detected(fonds, archivist, capsys):
    _some_history(fonds, archivist)
    assert main(["auditlog", "verify"]) == 0  # records a signed head outside the database
    last_ids = list(AuditEntry.objects.order_by("-id").values_list("id", flat=True)[:2])
    AuditEntry.objects.filter(id__in=last_ids).delete()
    report = verify_chain()
    assert not report.ok and report.reason == "truncated"
    assert main(["auditlog", "verify"]) == 1
    assert "末尾的记录被删除" in capsys.readouterr().err


def test_deleting_the_last_entries_is_detected_from_the_anchors_written_every_n_entries(
    fonds, archivist, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_EVERY = 3
    with django_capture_on_commit_callbacks(execute=True):
        _some_history(fonds, archivist, count=6)
    # Nobody ran a verification: the anchors were written as the log grew, in both places.
    assert settings.AUDIT_ANCHOR_FILE.read_text().count("dangan-audit-anchor") >= 2
    in_storage = settings.STORAGE_ROOT / "extensions" / "dangan-audit-anchors" / "anchors.jsonl"
    assert in_storage.read_text() == settings.AUDIT_ANCHOR_FILE.read_text()
    head = AuditEntry.objects.order_by("-id").first()
    AuditEntry.objects.filter(id__gt=head.pk - 4).delete()
    assert not verify_chain().ok
    assert main(["auditlog", "verify"]) == 1


def test_the_anchors_in_the_storage_root_keep_it_a_valid_ocfl_root(fonds, archivist, settings):
    from dangan.preservation.ocfl.validation import validate_root
    from dangan.preservation.storage import LocalFilesystemBackend

    _some_history(fonds, archivist)
    assert verify_chain().ok  # writes an anchor (and initialises the storage root)
    root = settings.STORAGE_ROOT
    assert (root / "extensions" / "dangan-audit-anchors" / "anchors.jsonl").exists()
    report = validate_root(LocalFilesystemBackend(root))
    assert not report.errors


def test_one_place_of_anchors_is_enough(fonds, archivist, settings):
    _some_history(fonds, archivist)
    assert verify_chain().ok
    settings.AUDIT_ANCHOR_FILE.unlink()  # only the storage root keeps the anchor now
    AuditEntry.objects.order_by("-id").first().delete()
    report = verify_chain()
    assert not report.ok and report.reason == "truncated"


def test_changing_the_account_of_an_entry_is_detected(fonds, archivist, junior_archivist, capsys):
    _some_history(fonds, archivist)
    victim = AuditEntry.objects.filter(action="catalog.unit.create").order_by("id")[2]
    AuditEntry.objects.filter(pk=victim.pk).update(user_id=junior_archivist.pk)
    report = verify_chain()
    assert not report.ok and report.broken_at == victim.pk and report.reason == "content"
    assert main(["auditlog", "verify"]) == 1
    assert "篡改" in capsys.readouterr().err


@pytest.mark.parametrize("downgrade", [False, True], ids=["rehash", "rehash-as-old-format"])
def test_removing_an_entry_and_recomputing_the_hashes_is_detected(fonds, archivist, downgrade):
    _some_history(fonds, archivist)
    assert verify_chain().ok  # an anchor, as the first entry, the seal and every 100th entry leave one
    victim = AuditEntry.objects.filter(action="catalog.unit.create").order_by("id")[1].pk
    AuditEntry.objects.filter(pk=victim).delete()
    if downgrade:  # pretend every entry was written before the keyed chain
        _rehash_as_an_attacker(0, scheme=1, key_id="")
    else:
        _rehash_as_an_attacker(victim - 1)
    assert not verify_chain().ok
    assert main(["auditlog", "verify"]) == 1


def test_a_lost_key_is_reported_and_nothing_is_written_without_it(own_key, fonds, archivist, settings, capsys):
    _some_history(fonds, archivist)
    assert stat.S_IMODE(os.stat(settings.AUDIT_KEY_FILE).st_mode) == 0o600  # created with the first entry
    settings.AUDIT_KEY_FILE.unlink()

    report = verify_chain()
    assert not report.ok and report.reason == "key_missing"
    assert main(["auditlog", "verify"]) == 1
    err = capsys.readouterr().err
    assert "审计密钥缺失" in err and str(settings.AUDIT_KEY_FILE) in err

    from dangan.core.auditlog.key import AuditKeyError

    units = fonds.units.count()
    with pytest.raises(AuditKeyError, match="审计密钥缺失"):
        do_create_unit(archivist, fonds, {"title": "没有密钥时的修改"})
    assert fonds.units.count() == units  # the change is not made without its record


def test_a_wrong_key_is_reported(own_key, fonds, archivist, settings):
    _some_history(fonds, archivist)
    settings.AUDIT_KEY_FILE.write_text("ab" * 32 + "\n")
    report = verify_chain()
    first = AuditEntry.objects.order_by("id").first()
    assert not report.ok and report.reason == "key_mismatch" and report.broken_at == first.pk
    assert "密钥不符" in report.detail

    from dangan.core.auditlog.key import AuditKeyError

    with pytest.raises(AuditKeyError, match="审计密钥不符"):
        do_create_unit(archivist, fonds, {"title": "用错密钥时的修改"})


def test_a_malformed_key_is_reported(own_key, fonds, archivist, settings):
    _some_history(fonds, archivist)
    settings.AUDIT_KEY_FILE.write_text("not a key\n")
    report = verify_chain()
    assert not report.ok and report.reason == "key_missing"
    assert any("格式不正确" in w for w in report.warnings)


@pytest.fixture
def key_in_environment(settings, tmp_path):
    settings.AUDIT_KEY_FILE = tmp_path / "never-created.key"
    settings.AUDIT_KEY = "0f" * 32


def test_a_key_from_the_environment(key_in_environment, fonds, archivist, settings):
    _some_history(fonds, archivist)
    assert not settings.AUDIT_KEY_FILE.exists()
    assert verify_chain().ok
    settings.AUDIT_KEY = "f0" * 32
    assert verify_chain().reason == "key_mismatch"


def test_a_lost_key_is_replaced_from_the_console_and_the_old_entries_stay_pinned(
    own_key, fonds, archivist, settings, capsys
):
    _some_history(fonds, archivist)
    assert verify_chain().ok
    settings.AUDIT_KEY_FILE.unlink()
    assert main(["auditlog", "new-key"]) == 2  # a reason is required
    assert main(["auditlog", "new-key", "--reason", "服务器硬盘损坏，密钥无备份"]) == 0
    rekey = AuditEntry.objects.get(action="core.audit.rekey")
    assert rekey.username == "console" and rekey.data["reason"] == "服务器硬盘损坏，密钥无备份"
    assert settings.AUDIT_KEY_FILE.exists()
    assert main(["auditlog", "new-key", "--reason", "再来一次"]) == 1  # the key matches now: nothing to replace

    do_create_unit(archivist, fonds, {"title": "新密钥下的修改"})
    report = verify_chain()
    assert report.ok, report.detail
    # The entries sealed with the lost key can no longer be checked one by one, but the rekey entry pins them.
    old = AuditEntry.objects.filter(id__lt=rekey.pk, action="catalog.unit.create").order_by("id")[1].pk
    AuditEntry.objects.filter(pk=old).update(username="someone-else")
    report = verify_chain()
    assert not report.ok and report.reason in ("content", "seal")
    AuditEntry.objects.filter(pk=old).update(username="archivist")
    AuditEntry.objects.filter(pk=old).update(user_id=None)
    report = verify_chain()
    assert not report.ok and report.reason == "seal" and report.broken_at == rekey.pk


def _write_legacy_entries(archivist, count: int) -> list[AuditEntry]:
    """Entries as the software wrote them before the keyed chain (scheme 1: SHA-256 without the id and account)."""
    previous = "0" * 64
    written = []
    for i in range(count):
        entry = AuditEntry(
            timestamp=timezone.now(),
            user_id=archivist.pk,
            username="archivist",
            action="catalog.unit.update",
            object_type="catalog.archivalunit",
            object_id=f"legacy-{i}",
            object_repr=f"旧记录{i}",
            data={"before": {"title": "甲"}, "after": {"title": "乙"}},
            previous_hash=previous,
            scheme=1,
        )
        entry.entry_hash = _legacy_hash(entry)
        entry.save()
        previous = entry.entry_hash
        written.append(entry)
    return written


def test_entries_of_the_old_scheme_are_sealed_once_and_never_rewritten(fonds, archivist, junior_archivist):
    AuditEntry.objects.all().delete()  # a log as the old software left it: only old-scheme entries
    old = _write_legacy_entries(archivist, 4)
    before = list(AuditEntry.objects.order_by("id").values())
    do_create_unit(archivist, fonds, {"title": "升级后的第一条"})
    seal = AuditEntry.objects.get(action="core.audit.seal")
    assert seal.pk == old[-1].pk + 1 and seal.username == "system"
    assert seal.data["sealed"]["count"] == 4 and seal.data["sealed"]["last_hash"] == old[-1].entry_hash
    assert list(AuditEntry.objects.filter(id__lte=old[-1].pk).order_by("id").values()) == before  # untouched
    do_create_unit(archivist, fonds, {"title": "第二条"})
    assert AuditEntry.objects.filter(action="core.audit.seal").count() == 1
    assert verify_chain().ok

    # The old hash never covered the account; the seal does.
    AuditEntry.objects.filter(pk=old[1].pk).update(user_id=junior_archivist.pk)
    report = verify_chain()
    assert not report.ok and report.reason == "seal" and report.broken_at == seal.pk


def test_an_old_log_is_sealed_by_dangan_init(archivist):
    from dangan.core.actions.auditlog import do_prepare_audit_log

    _write_legacy_entries(archivist, 3)
    do_prepare_audit_log()
    assert AuditEntry.objects.filter(action="core.audit.seal").count() == 1
    do_prepare_audit_log()  # safe to repeat
    assert AuditEntry.objects.filter(action="core.audit.seal").count() == 1
    assert verify_chain().ok


def test_the_scheduler_anchors_a_log_that_has_grown(fonds, archivist, settings):
    from dangan.core.schedule import run_due_jobs

    _some_history(fonds, archivist)
    assert run_due_jobs()["core.audit.anchor"] == 1
    anchored = settings.AUDIT_ANCHOR_FILE.read_text().splitlines()
    assert json.loads(anchored[-1])["last_id"] == AuditEntry.objects.order_by("-id").first().pk
    assert run_due_jobs()["core.audit.anchor"] == 0  # nothing new to anchor
    assert len(settings.AUDIT_ANCHOR_FILE.read_text().splitlines()) == len(anchored)


def test_a_forged_anchor_is_detected(fonds, archivist, settings):
    _some_history(fonds, archivist)
    assert verify_chain().ok
    line = json.loads(settings.AUDIT_ANCHOR_FILE.read_text().splitlines()[-1])
    line["last_id"] -= 2  # make the log look shorter than it was
    settings.AUDIT_ANCHOR_FILE.write_text(json.dumps(line) + "\n")
    report = verify_chain()
    assert not report.ok and report.reason == "anchor_forged"


def test_verify_reports_as_json(fonds, archivist, capsys):
    _some_history(fonds, archivist)
    assert main(["auditlog", "verify", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["checked"] == AuditEntry.objects.count() and report["reason"] == ""
