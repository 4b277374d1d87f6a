"""Managing replication targets: the actions (validation per kind, the bucket asked before an S3 target is saved,
no secrets in the database, the audit log), `dangan replication target …` and the workspace pages — against the real
SeaweedFS server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from dangan.replication.actions.targets import (
    do_add_target,
    do_disable_target,
    do_enable_target,
    do_update_target,
)
from dangan.replication.choices import Medium
from dangan.replication.models import Replica, Target
from dangan.replication.stores.registry import store_for
from dangan.replication.stores.s3 import S3Store
from tests.conftest import S3_BUCKET

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3(seaweed: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("OSS_ACCESS_KEY", seaweed.access_key)
    monkeypatch.setenv("OSS_SECRET_KEY", seaweed.secret_key)
    return {"endpoint": seaweed.endpoint, "access_key_env": "OSS_ACCESS_KEY", "secret_key_env": "OSS_SECRET_KEY"}


def s3_args(s3: dict[str, str]) -> list[str]:
    return [
        "--endpoint",
        s3["endpoint"],
        "--region",
        "us-east-1",
        "--access-key-env",
        s3["access_key_env"],
        "--secret-key-env",
        s3["secret_key_env"],
    ]


def test_add_an_s3_target_asks_the_bucket_and_keeps_no_secret(s3: dict[str, str], seaweed: Any) -> None:
    target = do_add_target(CONSOLE, "oss-kunming", "s3", f"s3://{S3_BUCKET}/copies/", site="云南省昆明市", options=s3)
    assert (target.kind, target.medium, target.cipher, target.location) == (
        "s3",
        Medium.OBJECT,
        "sm4-gcm",
        f"s3://{S3_BUCKET}/copies",
    )
    assert target.options["region"] == "us-east-1"
    assert seaweed.secret_key not in json.dumps(target.options)
    store = store_for(target)
    assert isinstance(store, S3Store) and store.location.prefix == "copies"
    entry = AuditEntry.objects.filter(action="replication.target.add").latest("pk")
    assert entry.data["after"]["name"] == "oss-kunming" and seaweed.secret_key not in json.dumps(entry.data)


def test_an_s3_target_is_refused_when_its_bucket_does_not_answer(s3: dict[str, str], monkeypatch: Any) -> None:
    with pytest.raises(ValidationError) as missing:
        do_add_target(CONSOLE, "oss", "s3", "s3://档案异地备份/副本", options=s3)
    assert "档案异地备份" in str(missing.value.message_dict["location"])
    monkeypatch.setenv("OSS_SECRET_KEY", "wrong")
    with pytest.raises(ValidationError) as wrong:
        do_add_target(CONSOLE, "oss", "s3", f"s3://{S3_BUCKET}", options=s3)
    assert "凭据" in str(wrong.value.message_dict["location"])
    with pytest.raises(ValidationError) as secret:
        do_add_target(CONSOLE, "oss", "s3", f"s3://{S3_BUCKET}", options={**s3, "secret_key": "abc"})
    assert "secret_key" in str(secret.value.message_dict["options"])
    monkeypatch.delenv("OSS_SECRET_KEY")
    with pytest.raises(ValidationError) as unset:
        do_add_target(CONSOLE, "oss", "s3", f"s3://{S3_BUCKET}", options=s3)
    assert "OSS_SECRET_KEY" in str(unset.value.message_dict["secret_key_env"])
    assert not Target.objects.exists()


def test_folder_and_disc_locations_are_checked(tmp_path: Path) -> None:
    for location in ("relative/path", str(tmp_path / "absent"), ""):
        with pytest.raises(ValidationError) as refused:
            do_add_target(CONSOLE, "nas", "folder", location)
        assert "location" in refused.value.message_dict
    nas = do_add_target(CONSOLE, "nas", "folder", str(tmp_path), medium="tape", site="本馆地下库房")
    discs = do_add_target(CONSOLE, "bluray", "discs", str(tmp_path), cipher="aes-256-gcm")
    assert (nas.medium, discs.medium, discs.cipher) == ("tape", "optical", "aes-256-gcm")
    with pytest.raises(ValidationError) as twice:
        do_add_target(CONSOLE, "nas", "folder", str(tmp_path))
    assert "name" in twice.value.message_dict
    with pytest.raises(ValidationError) as partner:
        do_add_target(CONSOLE, "yunnan", "partner", "")
    assert "结对" in str(partner.value.message_dict["kind"])
    with pytest.raises(ValidationError) as options:
        do_add_target(CONSOLE, "nas2", "folder", str(tmp_path), options={"endpoint": "http://x"})
    assert "options" in options.value.message_dict


def test_update_disable_enable_are_logged_and_a_target_with_copies_keeps_its_place(
    tmp_path: Path, archivist: Any, system_admin: Any
) -> None:
    nas = do_add_target(system_admin, "nas", "folder", str(tmp_path))
    with pytest.raises(PermissionDenied):
        do_disable_target(archivist, nas)  # REPLICATION_VIEW only
    nas = do_update_target(system_admin, nas, site="省档案馆新馆", medium="tape", version=nas.version)
    assert (nas.site, nas.medium, nas.version) == ("省档案馆新馆", "tape", 2)
    with pytest.raises(ValidationError):
        do_update_target(system_admin, nas, site="x", version=1)  # changed meanwhile
    nas = do_disable_target(system_admin, nas)
    assert not nas.enabled
    nas = do_enable_target(system_admin, nas)
    assert nas.enabled
    actions = list(
        AuditEntry.objects.filter(action__startswith="replication.target.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "replication.target.add",
        "replication.target.update",
        "replication.target.disable",
        "replication.target.enable",
    ]
    other = tmp_path / "other"
    other.mkdir()
    Replica.objects.create(target=nas, package=_package())
    with pytest.raises(ValidationError) as moved:
        do_update_target(system_admin, nas, location=str(other))
    assert "location" in moved.value.message_dict
    with pytest.raises(ValidationError) as recipher:
        do_update_target(system_admin, nas, cipher="aes-256-gcm")
    assert "cipher" in recipher.value.message_dict


def _package() -> Any:
    """A preserved package row (its unit and files are other apps' business; only the replica's target matters)."""
    import uuid

    from dangan.preservation.models import PreservedPackage

    return PreservedPackage.objects.create(unit_uuid=uuid.uuid4(), object_path="x/y", head_version="v1")


def test_the_cli(s3: dict[str, str], tmp_path: Path, capsys: Any) -> None:
    assert main(["replication", "target", "add", "oss", "--kind", "s3", f"s3://{S3_BUCKET}/cli", *s3_args(s3)]) == 0
    assert "oss" in capsys.readouterr().out
    assert main(["replication", "target", "add", "bad", "--kind", "s3", "s3://档案异地备份", *s3_args(s3)]) == 1
    assert "档案异地备份" in capsys.readouterr().err
    assert main(["replication", "target", "add", "nas", "--kind", "folder", str(tmp_path), "--site", "本馆"]) == 0
    assert main(["replication", "target", "add", "x", "--kind", "folder", str(tmp_path), "--endpoint", "h"]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["replication", "target", "add", "y", "--kind", "tape", str(tmp_path)])
    assert usage.value.code == 2
    capsys.readouterr()
    assert main(["replication", "target", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [t["name"] for t in listed] == ["nas", "oss"]
    assert listed[1]["options"]["access_key_env"] == "OSS_ACCESS_KEY" and listed[0]["site"] == "本馆"
    assert main(["replication", "target", "disable", "nas"]) == 0
    assert main(["replication", "target", "show", "nas", "--json"]) == 0
    capsys.readouterr()
    assert main(["replication", "target", "show", "nas", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["enabled"] is False
    assert main(["replication", "target", "enable", "nas"]) == 0
    assert main(["replication", "target", "show", "oss"]) == 0
    assert "s3://" in capsys.readouterr().out
    assert main(["replication", "target", "show", "absent"]) == 1
    assert main(["replication", "target", "disable", "absent"]) == 1
    assert main(["replication", "target", "list"]) == 0


def test_the_pages(client: Any, s3: dict[str, str], tmp_path: Path, archivist: Any, system_admin: Any) -> None:
    listing = reverse("replication:targets")
    client.force_login(archivist)
    assert client.get(listing).status_code == 200
    assert client.get(reverse("replication:target_add")).status_code == 403
    client.force_login(system_admin)
    form = {"name": "oss", "kind": "s3", "location": "s3://档案异地备份", "cipher": "sm4-gcm", "site": "云南省昆明市"}
    form.update(s3)
    refused = client.post(reverse("replication:target_add"), form)
    assert refused.status_code == 400 and "档案异地备份" in refused.content.decode()
    form["location"] = f"s3://{S3_BUCKET}/pages"
    assert client.post(reverse("replication:target_add"), form).status_code == 302
    store = store_for(Target.objects.get(name="oss"))
    store.put("content/ab", 5, lambda offset: iter([b"hello"[offset:]]))
    page = client.get(listing).content.decode()
    assert "oss" in page and "云南省昆明市" in page and "5\xa0字节" in page  # bytes held, asked of the store
    edit = reverse("replication:target_edit", args=["oss"])
    assert client.get(edit).status_code == 200
    target = Target.objects.get(name="oss")
    changed = {**form, "site": "山西省太原市", "version": target.version}
    assert client.post(edit, changed).status_code == 302
    assert Target.objects.get(name="oss").site == "山西省太原市"
    assert client.post(reverse("replication:target_disable", args=["oss"])).status_code == 302
    assert not Target.objects.get(name="oss").enabled
    assert client.get(reverse("replication:target_disable", args=["oss"])).status_code == 405
    assert client.post(reverse("replication:target_enable", args=["oss"])).status_code == 302
    client.force_login(archivist)
    assert client.post(reverse("replication:target_disable", args=["oss"])).status_code == 403
    assert Target.objects.get(name="oss").enabled


def test_a_partner_target_is_not_edited_here(client: Any, system_admin: Any) -> None:
    target = Target.objects.create(name="yunnan", kind="partner", medium="disk")
    with pytest.raises(ValidationError):
        do_update_target(CONSOLE, target, site="昆明")
    client.force_login(system_admin)
    assert client.get(reverse("replication:target_edit", args=["yunnan"])).status_code == 302
