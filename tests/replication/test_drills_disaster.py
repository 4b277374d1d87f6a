"""Restore drills from a partner node, and the disaster (灾难恢复): two real dangan nodes on loopback. The owner
preserves packages (several units, some with two versions), replicates them to the keeper and exports its key
shares; a drill from the keeper restores everything; then the owner is killed and its home deleted, and a new
home comes back from k shares, pairing again with the keeper on its side only, `dangan replication restore` and
`dangan rebuild`: every package's files byte for byte, and the preservation records back."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .nodes import DANGAN, Node, start_nodes

SETUP = """
import json, os, pathlib
from dangan.core.actors import CONSOLE
from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.models import RecordCategory
from dangan.preservation.actions.preserving import do_preserve
from dangan.preservation.models import PreservedPackage
from dangan.replication.actions.transfers import replicate_package
from dangan.replication.models import Target

source = pathlib.Path({source!r})
do_ensure_default_categories(CONSOLE)
fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室", creator="贵州省扶贫开发办公室")
category = RecordCategory.objects.get(code="WS")

def files(name, contents):
    folder = source / name
    folder.mkdir(parents=True)
    paths = []
    for file_name, data in contents.items():
        (folder / file_name).write_bytes(data)
        paths.append(folder / file_name)
    return paths

for n in range(3):
    unit = do_create_unit(CONSOLE, fonds, dict(title=f"关于扶贫工作的通知（{{n}}）", category=category, year=2011,
        retention="Y", organization="BGS", responsible="贵州省扶贫开发办公室", page_count=2))
    do_preserve(CONSOLE, unit, files(f"u{{n}}", {{"0001.pdf": b"%PDF-1.4 " + os.urandom(3000), "说明.txt":
        "第{{n}}件".encode()}}), message="接收")
    if n != 1:
        do_preserve(CONSOLE, unit, files(f"u{{n}}v2", {{"0002.bin": os.urandom(5000)}}), message="补充")
target = Target.objects.get(name={keeper!r})
target.options = {{"chunk_size": 2048}}
target.save()
for package in PreservedPackage.objects.all():
    replicate_package(package, target)
print(json.dumps([[str(p.uuid), p.reference_code, p.head_version] for p in PreservedPackage.objects.all()]))
"""


def tree(root: Path) -> dict[str, bytes]:
    """Every file of every OCFL object under a storage root, by path."""
    found: dict[str, bytes] = {}
    for declaration in root.rglob("0=ocfl_object_1.1"):
        base = declaration.parent
        for path in sorted(base.rglob("*")):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def last_json(output: str) -> Any:
    """The JSON a `dangan manage shell` script printed last (the shell prints a line of its own first)."""
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def world(tmp_path_factory: Any) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("disaster")
    with start_nodes(root, 2) as (owner, keeper):
        packages = last_json(owner.shell(SETUP.format(source=str(root / "sources"), keeper=keeper.name)))
        shares = root / "shares"
        shares.mkdir()
        export = ["replication", "keys", "export", "--threshold", "2", "--out", str(shares)]
        for custodian in ("馆长 张三", "副馆长 李四", "技术部 王五"):
            export += ["--custodian", custodian]
        owner.dangan(*export)
        yield {"root": root, "owner": owner, "keeper": keeper, "packages": packages, "shares": shares}


def test_a_drill_from_a_partner_node_restores_every_package(world: dict[str, Any]) -> None:
    owner, keeper = world["owner"], world["keeper"]
    into = world["root"] / "drill"
    done = owner.dangan("replication", "drill", "--target", keeper.name, "--into", str(into), "--json")
    result = json.loads(done.stdout)
    assert result["ok"] and result["objects"] == 3 and not result["failures"]
    assert tree(into) == tree(owner.home / "storage")
    assert result["recovery_point_s"] >= 0 and result["target"] == keeper.name


def test_a_node_that_lost_everything_comes_back_from_its_partner_and_the_shares(world: dict[str, Any]) -> None:
    owner, keeper, root = world["owner"], world["keeper"], world["root"]
    originals = tree(owner.home / "storage")
    assert sum(path.endswith("/0=ocfl_object_1.1") for path in originals) == 3
    shares = sorted(world["shares"].iterdir())
    typed = root / "typed.txt"
    typed.write_text(shares[2].read_text(encoding="utf-8") + shares[0].read_text(encoding="utf-8"), encoding="utf-8")

    owner.kill()
    shutil.rmtree(owner.home)

    # A new machine, same name: `dangan init`, the escrowed keys and identity, pairing again on its side only.
    new = Node(owner.name, root / "new-home")
    process = new.init()
    output, _ = process.communicate()
    assert process.returncode == 0, output
    restored = new.dangan("replication", "keys", "restore", "--from", str(typed)).stdout
    assert owner.identity["node_id"] in restored
    new.dangan(
        "replication", "partner", "add", keeper.name, keeper.url, "--fingerprint", keeper.identity["fingerprint"]
    )

    done = new.dangan("replication", "restore", "--target", keeper.name, "--json")
    result = json.loads(done.stdout)
    assert result["ok"] and result["objects"] == 3 and result["kind"] == "restore"
    assert tree(new.home / "storage") == originals  # byte for byte

    rebuilt = json.loads(new.dangan("rebuild", "--json").stdout)
    assert rebuilt["objects"] == 3 and not rebuilt["errors"] and not rebuilt["missing"]
    assert rebuilt["versions"] == 5
    records = last_json(
        new.shell(
            "import json\n"
            "from dangan.preservation.models import PreservedPackage\n"
            "print(json.dumps([[str(p.uuid), p.reference_code, p.head_version]"
            " for p in PreservedPackage.objects.all()]))"
        )
    )
    assert sorted(records) == sorted(world["packages"])
    # A restore into a storage root that holds objects is refused: usage.
    again = subprocess.run(
        [*DANGAN, "replication", "restore", "--target", keeper.name],
        env=new.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 2 and "已有保存对象" in again.stderr
