"""The `dangan` command as an operator uses it: exit codes, messages, bilingual help."""

from __future__ import annotations

import pytest

from dangan.catalog.models import Fonds
from dangan.cli import main
from dangan.core.models import User


def test_help_is_bilingual(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "档案管理系统" in out and "digital archives system" in out and "catalog" in out


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["catalog", "fonds"])
    assert exc.value.code == 2


@pytest.mark.django_db
def test_init_fonds_add_and_createadmin(capsys):
    assert main(["init", "--institution-code", "GZDAG", "--institution-name", "贵州省档案馆"]) == 0
    assert main(["catalog", "fonds", "add", "X013", "中共贵州省工委", "--creator", "中共贵州省工委"]) == 0
    assert Fonds.objects.get(code="X013").creator == "中共贵州省工委"
    assert main(["catalog", "fonds", "add", "X013", "重复"]) == 2
    assert "已存在" in capsys.readouterr().err
    assert main(["catalog", "fonds", "add", "X-13", "坏代码"]) == 2
    assert main(["createadmin"]) == 0
    out = capsys.readouterr().out
    password = out.split("one-time password: ")[1].split()[0]
    admin = User.objects.get(username="admin")
    assert admin.role == "system_admin" and admin.must_change_password and admin.check_password(password)
    assert main(["createadmin"]) == 0
    assert "已存在" in capsys.readouterr().out
    assert main(["auditlog", "verify"]) == 0
