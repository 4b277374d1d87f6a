# ruff: noqa: F811 (pytest fixtures imported from tests/replication/transfers.py)
"""The replication policy (which packages go where; copies, kinds of medium and sites), `dangan replicate` (exit
codes, JSON, a target that is down and catches up), and the copies' page (who sees titles, who may replicate)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.choices import SecurityClassification
from dangan.replication.actions.transfers import do_replicate, plan
from dangan.replication.choices import ReplicaState
from dangan.replication.models import BackupRecord, Replica, ReplicationRule

from .transfers import (  # noqa: F401 (fixtures)
    PDF,
    TEXT,
    make_target,
    make_unit,
    node,
    preserved,
    source_files,
    storage,
)

pytestmark = pytest.mark.django_db


def targets_of(plans: list[Any]) -> dict[str, list[str]]:
    return {str(p.package.uuid): [t.name for t in p.targets] for p in plans}


def test_with_no_rule_every_package_goes_to_every_enabled_target(node, storage, preserved, make_target):
    first, second = preserved({"a.txt": TEXT}), preserved({"b.pdf": PDF})
    make_target("nas"), make_target("tape", medium="tape"), make_target("off", enabled=False)
    plans = plan()
    assert targets_of(plans) == {str(first.uuid): ["nas", "tape"], str(second.uuid): ["nas", "tape"]}
    assert plans[0].requirement.copies == 2


def test_rules_choose_packages_by_fonds_category_classification_and_retention(
    node, storage, preserved, make_target, categories, fonds
):
    secret = preserved({"a.txt": TEXT}, classification=SecurityClassification.SECRET)
    photo = preserved({"b.txt": TEXT}, category=categories["ZP"], retention="D30")
    plain = preserved({"c.txt": TEXT}, retention="D10")
    nas, tape, cloud = make_target("nas"), make_target("tape", medium="tape"), make_target("cloud", medium="object")
    rule = ReplicationRule.objects.create(name="涉密双份", classifications=["secret"], copies=2, media=2, sites=2)
    rule.targets.set([nas, tape])
    photos = ReplicationRule.objects.create(name="照片", retentions=["D30"])
    photos.categories.set([categories["ZP"]])
    photos.targets.set([cloud])
    everything_in_fonds = ReplicationRule.objects.create(name="全宗", copies=1)  # no targets: every enabled one
    everything_in_fonds.fonds.set([fonds])

    by_package = {p.package.uuid: p for p in plan()}
    assert [t.name for t in by_package[secret.uuid].targets] == ["cloud", "nas", "tape"]  # union of the rules
    assert by_package[secret.uuid].requirement.copies == 2 and by_package[secret.uuid].requirement.sites == 2
    assert set(by_package[secret.uuid].requirement.rules) == {"涉密双份", "全宗"}
    assert set(by_package[photo.uuid].requirement.rules) == {"照片", "全宗"}
    everything_in_fonds.delete()
    by_package = {p.package.uuid: p for p in plan()}
    assert [t.name for t in by_package[photo.uuid].targets] == ["cloud"]
    assert by_package[plain.uuid].targets == [] and by_package[plain.uuid].requirement.rules == ()


def test_shortfalls_of_copies_media_and_sites_are_named(node, storage, preserved, make_target):
    package = preserved({"a.txt": TEXT})
    nas, disk = make_target("nas", site="贵阳"), make_target("disk2", site="贵阳")
    rule = ReplicationRule.objects.create(name="三份", copies=3, media=2, sites=2)
    rule.targets.set([nas, disk])

    report = do_replicate(CONSOLE)
    assert {r.target.name for r in report.replicated} == {"nas", "disk2"}
    assert report.copies_required == report.copies_current == 2
    whys = sorted(m.why for m in report.missing if m.target == "")
    assert whys == ["介质种类不足：要求 2，现有 1", "副本数不足：要求 3，现有 2", "存放地点不足：要求 2，现有 1"]
    assert not report.ok and all(m.package == str(package.uuid) for m in report.missing)

    tape = make_target("tape", medium="tape", site="昆明")
    rule.targets.add(tape)
    report = do_replicate(CONSOLE)
    assert report.ok and report.copies_current == 3 and [r.target.name for r in report.replicated] == ["tape"]


def test_dangan_replicate_exit_codes_json_and_a_target_that_was_down(
    node, storage, preserved, make_target, capsys, tmp_path
):
    package = preserved({"a.txt": TEXT, "b.bin": os.urandom(3000)})
    make_target("nas")
    tape = make_target("tape", medium="tape", create=False)  # the tape is not mounted

    assert main(["replicate", "--json"]) == 1
    shown = json.loads(capsys.readouterr().out)
    assert set(shown) == {
        "ok",
        "packages",
        "copies_required",
        "copies_current",
        "sent_envelopes",
        "sent_bytes",
        "replicated",
        "missing",
        "targets_down",
    }
    assert shown["ok"] is False and shown["packages"] == 1 and shown["copies_required"] == 2
    assert shown["copies_current"] == 1 and shown["replicated"][0]["target"] == "nas"
    assert shown["replicated"][0]["version"] == 1 and shown["sent_envelopes"] == shown["replicated"][0]["envelopes"]
    assert set(shown["targets_down"]) == {"tape"} and "未挂载" in shown["targets_down"]["tape"]
    assert shown["missing"] == [
        {
            "package": str(package.uuid),
            "reference_code": package.reference_code,
            "target": "tape",
            "why": shown["targets_down"]["tape"],
        }
    ]
    assert "未挂载" in Replica.objects.get(target=tape).problem

    Path(tape.location).mkdir(parents=True)  # mounted again: the next run catches up by itself
    assert main(["replicate", "--target", "tape"]) == 0
    out = capsys.readouterr().out
    assert "全部副本已同步" in out
    assert Replica.objects.get(target=tape).state == ReplicaState.CURRENT
    assert main(["replicate", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["ok"] and again["sent_envelopes"] == 0 and again["replicated"] == []
    assert BackupRecord.objects.count() == 2

    assert main(["replicate", "--target", "nowhere"]) == 2
    assert "nowhere" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["replicate", "--bogus"])
    assert usage.value.code == 2


def test_dangan_replicate_before_dangan_init_says_so(settings, storage, preserved, make_target, tmp_path, capsys):
    settings.REPLICATION_HOME = tmp_path / "nothing-here"
    preserved({"a.txt": TEXT})
    make_target("nas")
    assert main(["replicate"]) == 1
    assert "dangan init" in capsys.readouterr().err


def test_the_copies_page_shows_titles_only_to_those_who_may_see_the_unit(
    node,
    storage,
    preserved,
    make_target,
    client,
    archivist,
    system_admin,
    security_auditor,
    django_capture_on_commit_callbacks,
):
    secret = preserved({"a.txt": TEXT}, title="秘密会议纪要", classification=SecurityClassification.SECRET)
    public = preserved({"b.txt": TEXT}, title="公开通知", classification=SecurityClassification.PUBLIC)
    make_target("nas", site="贵阳")
    url = reverse("replication:copies")

    client.force_login(system_admin)  # manages backup; reads the catalog only at 公开
    page = client.get(url).content.decode()
    assert "公开通知" in page and "秘密会议纪要" not in page and str(secret.uuid) in page
    assert "nas 未同步" in page and "立即复制" in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("replication:replicate_now"), {"target": "nas"})
    assert answer.status_code == 302
    assert Replica.objects.filter(state=ReplicaState.CURRENT).count() == 2
    page = client.get(url).content.decode()
    assert "nas 未同步" not in page and "已满足" in page
    register = client.get(reverse("replication:backup_register")).content.decode()
    assert "公开通知" in register and "秘密会议纪要" not in register and str(secret.uuid) in register
    assert "sysadmin" in register

    client.force_login(archivist)  # cleared to 机密: sees both titles, may not replicate
    page = client.get(url).content.decode()
    assert "秘密会议纪要" in page and "公开通知" in page and "立即复制" not in page
    assert client.post(reverse("replication:replicate_now")).status_code == 403

    client.force_login(security_auditor)
    assert client.get(url).status_code == 403
    assert client.get(reverse("replication:backup_register")).status_code == 403
    assert str(public.uuid) not in page  # the copies page names a visible package by its 档号 and title
