"""Pairing (结对) with a real second dangan node — a `dangan serve` process with a DANGAN_HOME of its own, made by
`dangan init` — and the agreement, suspension and removal: from the console (`dangan replication partner …`) and
from the workspace pages (/manage/replication/partners/)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from dangan.replication.actions import partners as actions
from dangan.replication.choices import PartnerStatus, ReplicaState, TargetKind
from dangan.replication.models import KeptEnvelope, Partner, Replica, Target
from dangan.replication.node import ensure_node

SRC = Path(__file__).resolve().parents[2] / "src"
RUN_DANGAN = "import sys; from dangan.cli import main; sys.exit(main(sys.argv[1:]))"


@dataclass(frozen=True)
class Node:
    url: str
    home: Path
    name: str
    node_id: str
    fingerprint: str


def _environment(home: Path, name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DANGAN_", "DJANGO_"))}
    env.update(
        DANGAN_HOME=str(home),
        DANGAN_REPLICATION_NODE_NAME=name,
        PYTHONPATH=os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    return env


def _dangan(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_DANGAN, *args], env=env, capture_output=True, text=True, timeout=300, check=True
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def yunnan(tmp_path_factory: Any) -> Iterator[Node]:
    """A second node, 云南省档案馆 (YN), serving on loopback."""
    home = tmp_path_factory.mktemp("yunnan")
    env = _environment(home, "YN")
    _dangan(env, "init", "--institution-code", "YN", "--institution-name", "云南省档案馆")
    shown = json.loads(_dangan(env, "replication", "identity", "--json").stdout)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", RUN_DANGAN, "serve", "--port", str(port), "--no-worker", "--threads", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(300):  # the server answers within seconds; give up after a minute
            try:
                with urllib.request.urlopen(f"{url}/replication/identity", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("the second node's `dangan serve` stopped") from None
                time.sleep(0.2)
        else:
            raise RuntimeError("the second node's `dangan serve` does not answer")
        yield Node(url, home, shown["name"], shown["node_id"], shown["fingerprint"])
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def here(settings: Any, tmp_path: Path) -> Any:
    """This node (贵州, GZ) with an identity of its own."""
    settings.REPLICATION_HOME = tmp_path / "replication"
    settings.REPLICATION_NODE_NAME = "GZ"
    identity, _created = ensure_node()
    return identity


def _package() -> Any:
    from dangan.preservation.models import PreservedPackage

    unit = uuid.uuid4()
    return PreservedPackage.objects.create(
        unit=None, unit_uuid=unit, label="遵义会议档案", object_path=f"x/{unit}", head_version="v1"
    )


def _actions(partner: Partner) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="replication.partner", object_id=str(partner.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# ---------------------------------------------------------------- the console


@pytest.mark.django_db
def test_pairing_from_the_console_pins_the_real_key_and_makes_the_target(
    here: Any, yunnan: Node, settings: Any, capsys: Any
) -> None:
    typed = yunnan.fingerprint.replace(" ", ":").lower()  # as read out on the telephone
    code = main(
        [
            *("replication", "partner", "add", "yunnan", yunnan.url + "/", "--fingerprint", typed),
            *("--title", "云南省档案馆", "--site", "云南省昆明市", "--medium", "tape", "--quota-gb", "2"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert "已结对" in capsys.readouterr().out
    partner = Partner.objects.get(name="yunnan")
    assert partner.url == yunnan.url and str(partner.node_id) == yunnan.node_id
    assert partner.fingerprint == yunnan.fingerprint and partner.public_key.startswith("sm2:04")
    assert partner.quota_bytes == 2_000_000_000 and partner.status == PartnerStatus.ACTIVE and partner.is_trusted
    target = Target.objects.get(name="yunnan")
    assert target.kind == TargetKind.PARTNER and target.partner == partner and target.enabled
    assert (target.medium, target.site, target.cipher) == ("tape", "云南省昆明市", settings.REPLICATION_CIPHER)
    entry = AuditEntry.objects.get(action="replication.partner.add")
    assert entry.data["after"]["fingerprint"] == yunnan.fingerprint and entry.data["after"]["node_name"] == "YN"
    assert entry.username  # the console operator

    assert main(["replication", "partner", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["name"] == "yunnan" and row["status"] == "active" and row["site"] == "云南省昆明市"
    assert row["quota_bytes"] == 2_000_000_000 and row["kept_bytes"] == 0
    assert main(["replication", "partner", "show", "yunnan", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["fingerprint"] == yunnan.fingerprint and shown["agreement"]["version"] == 1
    assert main(["replication", "partner", "show", "nobody"]) == 2


@pytest.mark.django_db
def test_a_wrong_fingerprint_is_refused_naming_both(here: Any, yunnan: Node, capsys: Any) -> None:
    wrong = "0123 4567 89AB CDEF " * 4
    code = main(["replication", "partner", "add", "yunnan", yunnan.url, "--fingerprint", wrong])
    err = capsys.readouterr().err
    assert code == 1
    assert "指纹不符" in err and yunnan.fingerprint in err and "0123 4567 89AB CDEF" in err
    assert not Partner.objects.exists() and not Target.objects.exists()
    assert not AuditEntry.objects.filter(action="replication.partner.add").exists()


@pytest.mark.django_db
def test_a_name_in_use_a_node_already_paired_and_this_node_itself_are_refused(
    here: Any, yunnan: Node, settings: Any, capsys: Any
) -> None:
    actions.do_add_partner(CONSOLE, "yunnan", yunnan.url, yunnan.fingerprint)
    assert main(["replication", "partner", "add", "yunnan", yunnan.url, "--fingerprint", yunnan.fingerprint]) == 1
    assert "已被使用" in capsys.readouterr().err
    assert main(["replication", "partner", "add", "yn2", yunnan.url, "--fingerprint", yunnan.fingerprint]) == 1
    assert "已以“yunnan”结对" in capsys.readouterr().err
    Target.objects.create(name="nas", kind=TargetKind.FOLDER, medium="disk", location="/srv/nas")
    assert main(["replication", "partner", "add", "nas", yunnan.url, "--fingerprint", yunnan.fingerprint]) == 1
    assert "已被使用" in capsys.readouterr().err
    assert main(["replication", "partner", "add", "bad name", yunnan.url, "--fingerprint", yunnan.fingerprint]) == 1
    # This node with the second node's keys: pairing with it would be pairing with itself.
    settings.REPLICATION_HOME = yunnan.home / "replication"
    assert main(["replication", "partner", "add", "self", yunnan.url, "--fingerprint", yunnan.fingerprint]) == 1
    assert "本节点自己" in capsys.readouterr().err
    assert Partner.objects.count() == 1


@pytest.mark.django_db
def test_plain_http_beyond_loopback_and_an_unreachable_node_are_refused(here: Any, settings: Any, capsys: Any) -> None:
    fp = "0123 4567 89AB CDEF " * 4
    assert main(["replication", "partner", "add", "far", "http://192.0.2.10:8000", "--fingerprint", fp]) == 1
    assert "DANGAN_REPLICATION_ALLOW_HTTP" in capsys.readouterr().err
    assert actions.normalise_url("http://[::1]:8000/") == "http://[::1]:8000"
    settings.REPLICATION_ALLOW_HTTP = True
    assert actions.normalise_url("http://192.0.2.10:8000") == "http://192.0.2.10:8000"
    closed = f"http://127.0.0.1:{_free_port()}"
    assert main(["replication", "partner", "add", "gone", closed, "--fingerprint", fp]) == 1
    assert "无法连接" in capsys.readouterr().err
    assert main(["replication", "partner", "add", "x", "ftp://example.org", "--fingerprint", fp]) == 1


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["replication", "partner", "add", "yunnan"])
    assert exited.value.code == 2
    with pytest.raises(SystemExit) as exited:
        main(["replication", "partner", "add", "yunnan", "https://x", "--fingerprint", "F", "--medium", "clay"])
    assert exited.value.code == 2


@pytest.mark.django_db
def test_suspend_resume_and_remove_and_what_they_do(
    here: Any, yunnan: Node, security_auditor: Any, capsys: Any
) -> None:
    auditor = security_auditor
    partner = actions.do_add_partner(CONSOLE, "yunnan", yunnan.url, yunnan.fingerprint)
    target = Target.objects.get(partner=partner)
    current = Replica.objects.create(package=_package(), target=target, state=ReplicaState.CURRENT, version_number=1)
    behind = Replica.objects.create(package=_package(), target=target, state=ReplicaState.BEHIND)
    elsewhere = Target.objects.create(name="nas", kind=TargetKind.FOLDER, medium="disk", location="/srv/nas")
    kept_elsewhere = Replica.objects.create(package=current.package, target=elsewhere, state=ReplicaState.CURRENT)

    assert main(["replication", "partner", "suspend", "yunnan"]) == 0
    partner.refresh_from_db()
    target.refresh_from_db()
    assert partner.status == PartnerStatus.SUSPENDED and partner.suspended_at and partner.is_trusted
    assert not target.enabled
    assert main(["replication", "partner", "suspend", "yunnan"]) == 1  # already
    assert "只能暂停" in capsys.readouterr().err
    current.refresh_from_db()
    assert current.state == ReplicaState.CURRENT  # what it holds is kept while suspended

    assert main(["replication", "partner", "resume", "yunnan"]) == 0
    partner.refresh_from_db()
    target.refresh_from_db()
    assert partner.status == PartnerStatus.ACTIVE and partner.suspended_at is None and target.enabled

    assert main(["replication", "partner", "remove", "yunnan"]) == 2  # nobody to confirm: --yes needed
    assert "--yes" in capsys.readouterr().err
    assert main(["replication", "partner", "remove", "yunnan", "--yes"]) == 0
    partner.refresh_from_db()
    target.refresh_from_db()
    assert partner.status == PartnerStatus.REMOVED and partner.removed_at and not partner.is_trusted
    assert not target.enabled
    for replica in (current, behind):
        replica.refresh_from_db()
        assert replica.state == ReplicaState.MISSING and "解除结对" in replica.problem
    kept_elsewhere.refresh_from_db()
    assert kept_elsewhere.state == ReplicaState.CURRENT
    assert Partner.objects.filter(name="yunnan").exists()  # kept for the record
    assert main(["replication", "partner", "resume", "yunnan"]) == 1
    assert main(["replication", "partner", "remove", "yunnan", "--yes"]) == 1
    entry = AuditEntry.objects.get(action="replication.partner.remove")
    assert entry.data["replicas_missing"] == 2
    from dangan.core.auditlog.display import present

    (view,) = present([AuditEntry.objects.get(action="replication.partner.add")], auditor)
    assert not view.withheld  # the auditor reads the pairing in full
    assert _actions(partner) == [
        "replication.partner.add",
        "replication.partner.suspend",
        "replication.partner.resume",
        "replication.partner.remove",
    ]
    # A removed node may be paired again, under a new name.
    again = actions.do_add_partner(CONSOLE, "yunnan2", yunnan.url, yunnan.fingerprint)
    assert again.is_trusted and str(again.node_id) == yunnan.node_id


@pytest.mark.django_db
def test_the_agreement_is_versioned_and_checked(here: Any, yunnan: Node) -> None:
    from django.core.exceptions import ValidationError

    from dangan.utilities.concurrency import EditConflict

    partner = actions.do_add_partner(CONSOLE, "yunnan", yunnan.url, yunnan.fingerprint)
    today = timezone.localdate()
    changed = actions.do_update_agreement(
        CONSOLE,
        partner,
        version=1,
        parties="贵州省档案馆、云南省档案馆",
        scope="全部永久保管档案的保存包",
        starts=today,
        ends=today.replace(year=today.year + 5),
        contacts="张三 0851-1234567",
        quota_bytes=5 * 10**12,
    )
    assert changed.version == 2 and changed.quota_bytes == 5 * 10**12
    with pytest.raises(EditConflict):
        actions.do_update_agreement(CONSOLE, partner, version=1, scope="别的")
    with pytest.raises(ValidationError, match="终止日期"):
        actions.do_update_agreement(CONSOLE, partner, version=2, ends=today.replace(year=today.year - 1))
    entry = AuditEntry.objects.get(action="replication.partner.agreement")
    assert entry.data["after"]["scope"] == "全部永久保管档案的保存包" and "parties" in entry.data["before"]


# ---------------------------------------------------------------- the workspace


@pytest.mark.django_db
def test_the_pages_refuse_whoever_may_not_see_or_change_them(
    here: Any, yunnan: Node, archivist: Any, security_admin: Any
) -> None:
    partner = actions.do_add_partner(CONSOLE, "yunnan", yunnan.url, yunnan.fingerprint)
    reading = [
        reverse("replication:home"),
        reverse("replication:partners"),
        reverse("replication:partner", args=[partner.name]),
    ]
    changing = [
        reverse("replication:partner_add"),
        reverse("replication:partner_suspend", args=[partner.name]),
        reverse("replication:partner_resume", args=[partner.name]),
        reverse("replication:partner_remove", args=[partner.name]),
    ]
    anonymous = Client()
    for url in reading + changing:
        answer = anonymous.get(url)
        assert answer.status_code == 302 and "login" in answer["Location"], url
    outsider = Client()
    outsider.force_login(security_admin)
    for url in reading + changing:
        assert outsider.get(url).status_code == 403, url
    reader = Client()
    reader.force_login(archivist)  # REPLICATION_VIEW only
    for url in reading:
        assert reader.get(url).status_code == 200, url
    for url in changing:
        assert reader.get(url).status_code == 403, url
        assert reader.post(url, {"reason": "x", "confirm": "on"}).status_code == 403, url
    assert reader.post(reading[2], {"version": 1, "scope": "改"}).status_code == 403
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.ACTIVE and partner.scope == "" and partner.version == 1


@pytest.mark.django_db
def test_the_system_administrator_pairs_and_manages_from_the_workspace(
    here: Any, yunnan: Node, system_admin: Any
) -> None:
    client = Client()
    client.force_login(system_admin)
    home = client.get(reverse("replication:home")).content.decode()
    assert str(here.fingerprint) in home and reverse("replication:partners") in home
    assert "异地备份" in home and f'href="{reverse("replication:home")}"' in home  # the workspace menu

    form = {
        "name": "yunnan",
        "url": yunnan.url,
        "fingerprint": "0123 4567 89AB CDEF " * 4,
        "title": "云南省档案馆",
        "site": "云南省昆明市",
        "medium": "disk",
        "quota_gb": "1.5",
    }
    refused = client.post(reverse("replication:partner_add"), form)
    assert refused.status_code == 200 and yunnan.fingerprint in refused.content.decode()
    assert not Partner.objects.exists()
    added = client.post(reverse("replication:partner_add"), {**form, "fingerprint": yunnan.fingerprint})
    assert added.status_code == 302 and added["Location"] == reverse("replication:partner", args=["yunnan"])
    partner = Partner.objects.get(name="yunnan")
    assert partner.quota_bytes == 1_500_000_000 and partner.title == "云南省档案馆"
    assert AuditEntry.objects.get(action="replication.partner.add").username == system_admin.username

    KeptEnvelope.objects.create(partner=partner, name="content/ab12", size=250_000_000, complete=True)
    listing = client.get(reverse("replication:partners")).content.decode()
    assert "云南省档案馆" in listing and "云南省昆明市" in listing and "250 MB / 1.5 GB" in listing

    page = reverse("replication:partner", args=["yunnan"])
    agreement = {"version": 1, "parties": "贵州省档案馆、云南省档案馆", "scope": "永久", "quota_gb": "3"}
    assert client.post(page, {**agreement, "starts": "2027-01-01", "ends": "2026-01-01"}).status_code == 200
    assert client.post(page, agreement).status_code == 302
    partner.refresh_from_db()
    assert partner.version == 2 and partner.quota_bytes == 3_000_000_000 and partner.scope == "永久"
    stale = client.post(page, {**agreement, "scope": "别的"})
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()

    suspend = reverse("replication:partner_suspend", args=["yunnan"])
    assert "暂停后" in client.get(suspend).content.decode()  # the confirmation page
    assert client.post(suspend, {"reason": "对方机房搬迁"}).status_code == 302
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.SUSPENDED
    assert AuditEntry.objects.get(action="replication.partner.suspend").data["reason"] == "对方机房搬迁"
    assert client.post(reverse("replication:partner_resume", args=["yunnan"])).status_code == 302
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.ACTIVE

    remove = reverse("replication:partner_remove", args=["yunnan"])
    assert client.post(remove, {"reason": "协议到期"}).status_code == 200  # not confirmed
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.ACTIVE
    assert client.post(remove, {"reason": "协议到期", "confirm": "on"}).status_code == 302
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.REMOVED and not partner.target.enabled
    assert "已解除" in client.get(page).content.decode()
    assert _actions(partner) == [
        "replication.partner.add",
        "replication.partner.agreement",
        "replication.partner.suspend",
        "replication.partner.resume",
        "replication.partner.remove",
    ]
