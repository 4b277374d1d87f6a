"""Part ead: `dangan export ead` and `dangan export eac` — exit codes, --as, the file only under its name once
complete, the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from dangan.catalog.choices import Openness, SecurityClassification
from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role
from dangan.core.models import AuditEntry
from tests.helpers import account

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(fonds: Any) -> dict[str, Any]:
    from dangan.catalog.actions.authorities import do_create_authority, do_link_authority
    from dangan.catalog.actions.units import do_create_unit

    public = do_create_unit(CONSOLE, fonds, {"title": "公开的报告", "openness": Openness.OPEN})
    secret = do_create_unit(CONSOLE, fonds, {"title": "秘密的名单", "classification": SecurityClassification.SECRET})
    do_link_authority(CONSOLE, public, do_create_authority(CONSOLE, {"kind": "person", "name": "王家烈"}), "author")
    return {"public": public, "secret": secret}


def test_export_ead_writes_the_public_view_by_default(units: Any, tmp_path: Path, capsys: Any) -> None:
    target = tmp_path / "Z109.xml"
    assert main(["export", "ead", "z109", "-o", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert "公开的报告" in text and "秘密的名单" not in text
    etree.fromstring(target.read_bytes())
    assert "已导出 exported 1" in capsys.readouterr().out
    entry = AuditEntry.objects.filter(action="outreach.ead.export").latest("pk")
    assert entry.data["format"] == "ead3" and entry.data["units"] == 1 and "public" in entry.data["as"]


def test_export_ead_as_an_account(units: Any, tmp_path: Path) -> None:
    account(Role.ARCHIVIST, SecurityClassification.SECRET, username="zhang")
    target = tmp_path / "Z109.xml"
    assert main(["export", "ead", "Z109", "-o", str(target), "--as", "zhang", "--quiet"]) == 0
    assert "秘密的名单" in target.read_text(encoding="utf-8")


def test_export_ead_usage_errors(units: Any, tmp_path: Path, capsys: Any) -> None:
    assert main(["export", "ead", "NOPE", "-o", str(tmp_path / "x.xml")]) == 2
    assert "不存在" in capsys.readouterr().err
    assert main(["export", "ead", "Z109", "-o", str(tmp_path / "missing" / "x.xml")]) == 2
    assert main(["export", "ead", "Z109", "-o", str(tmp_path)]) == 2
    assert main(["export", "ead", "Z109", "-o", str(tmp_path / "x.xml"), "--as", "nobody"]) == 2
    assert list(tmp_path.iterdir()) == []


def test_a_fonds_with_nothing_public_is_unknown_to_the_public(fonds: Any, tmp_path: Path) -> None:
    from dangan.catalog.actions.units import do_create_unit

    do_create_unit(CONSOLE, fonds, {"title": "待审的文件"})
    assert main(["export", "ead", "Z109", "-o", str(tmp_path / "x.xml")]) == 2
    assert main(["export", "ead", "Z109", "-o", str(tmp_path / "x.xml"), "--as", account(Role.ARCHIVIST).username]) == 0


def test_export_eac(units: Any, tmp_path: Path) -> None:
    target = tmp_path / "eac.xml"
    assert main(["export", "eac", "-o", str(target), "--kind", "person"]) == 0
    assert "王家烈" in target.read_text(encoding="utf-8")
    assert main(["export", "eac", "-o", str(target), "--kind", "organization"]) == 0
    assert "王家烈" not in target.read_text(encoding="utf-8")
    assert main(["export", "eac", "-o", str(tmp_path / "no" / "eac.xml")]) == 2
