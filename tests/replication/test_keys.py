"""Key escrow from the console: `dangan replication keys export` splits the master key into k-of-n shares for
custodians; `keys restore` puts it back on a new machine from any k of them, and refuses too few or a mistyped one
by name, and a machine that already has a key."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from dangan.cli import main
from dangan.core.models import AuditEntry
from dangan.replication import node
from dangan.replication.node import ensure_node

pytestmark = pytest.mark.django_db

CUSTODIANS = ["馆长 张三", "副馆长 李四", "保管部 王五", "技术部 赵六", "办公室 钱七"]


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    settings.REPLICATION_HOME = tmp_path / "old-machine"
    ensure_node()
    return settings.REPLICATION_HOME


def _export(tmp_path: Path) -> list[Path]:
    out = tmp_path / "shares"
    out.mkdir()
    args = ["replication", "keys", "export", "--threshold", "3", "--out", str(out)]
    for custodian in CUSTODIANS:
        args += ["--custodian", custodian]
    assert main(args) == 0
    return sorted(out.iterdir())


def test_any_three_of_five_shares_restore_the_key_on_a_new_machine(
    home: Path, settings: Any, tmp_path: Path, capsys: Any
) -> None:
    original = node.master_key()
    files = _export(tmp_path)
    assert len(files) == 5 and all(f.stat().st_mode & 0o077 == 0 for f in files)
    assert CUSTODIANS[1] in files[1].read_text(encoding="utf-8")
    entry = AuditEntry.objects.get(action="replication.keys.export")
    assert entry.data["k"] == 3 and entry.data["n"] == 5 and "DANGAN-SHARE" not in str(entry.data)

    settings.REPLICATION_HOME = tmp_path / "new-machine"
    chosen = tmp_path / "typed.txt"
    chosen.write_text("".join(files[i].read_text(encoding="utf-8") for i in (4, 0, 2)), encoding="utf-8")
    assert main(["replication", "keys", "restore", "--from", str(chosen)]) == 0
    assert original.key_id.hex() in capsys.readouterr().out
    node._cached.clear()
    assert node.master_key() == original
    # A machine that has a key keeps it.
    assert main(["replication", "keys", "restore", "--from", str(chosen)]) == 1
    assert "不会覆盖" in capsys.readouterr().err


def test_too_few_or_mistyped_shares_are_refused_by_name(
    home: Path, settings: Any, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    files = _export(tmp_path)
    settings.REPLICATION_HOME = tmp_path / "new-machine"
    two = "".join(f.read_text(encoding="utf-8") for f in files[:2])
    monkeypatch.setattr("sys.stdin", io.StringIO(two))
    assert main(["replication", "keys", "restore"]) == 1
    assert "至少 3 份" in capsys.readouterr().err
    lines = [f.read_text(encoding="utf-8").strip() for f in files[:3]]
    body = lines[1].split(" | ")
    # One character of the body mistyped (the first: the last one also carries base32's padding bits).
    body[6] = ("A" if body[6][0].upper() != "A" else "B") + body[6][1:]
    lines[1] = " | ".join(body)
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines)))
    assert main(["replication", "keys", "restore"]) == 1
    assert "第 2 份" in capsys.readouterr().err and not (settings.REPLICATION_HOME / "master.key").exists()


def test_usage_errors(home: Path, tmp_path: Path, capsys: Any) -> None:
    assert main(["replication", "keys", "export", "--threshold", "4", "--custodian", "甲", "--custodian", "乙"]) == 1
    assert "2 到保管人数" in capsys.readouterr().err
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    args = ["replication", "keys", "export", "--threshold", "2", "--custodian", "甲", "--custodian", "乙"]
    assert main([*args, "--out", str(busy)]) == 2
    assert main(args) == 0
    assert capsys.readouterr().out.count("DANGAN-SHARE-2") == 2


def test_after_dangan_init_on_a_new_machine_restore_brings_back_the_key_and_the_node_identity(
    home: Path, settings: Any, tmp_path: Path, capsys: Any
) -> None:
    from dangan.replication.models import Partner

    old_key, old_identity = node.master_key(), node.this_node()
    files = _export(tmp_path)
    chosen = tmp_path / "typed.txt"
    chosen.write_text("".join(files[i].read_text(encoding="utf-8") for i in (1, 3, 4)), encoding="utf-8")

    # The new machine ran `dangan init`: fresh keys, never used — moved aside, not deleted.
    settings.REPLICATION_HOME = tmp_path / "new-machine"
    fresh, _created = ensure_node()
    assert fresh.node_id != old_identity.node_id
    assert main(["replication", "keys", "restore", "--from", str(chosen)]) == 0
    assert node.master_key() == old_key
    assert node.this_node().node_id == old_identity.node_id
    assert node.this_node().public_key == old_identity.public_key
    aside = sorted(p.name.split(".unused-")[0] for p in settings.REPLICATION_HOME.glob("*.unused-*"))
    assert aside == ["master.key", "node-identity.json"]
    entry = AuditEntry.objects.get(action="replication.keys.restore")
    assert entry.data["node_id"] == str(old_identity.node_id) and entry.data["replaced_unused_keys"]

    # Keys in use (this node has a partner) are never replaced.
    settings.REPLICATION_HOME = tmp_path / "third-machine"
    ensure_node()
    Partner.objects.create(name="yunnan", url="http://127.0.0.1:1", node_id=old_identity.node_id, public_key="x")
    assert main(["replication", "keys", "restore", "--from", str(chosen)]) == 1
    assert "不会覆盖" in capsys.readouterr().err
    assert node.master_key() != old_key
