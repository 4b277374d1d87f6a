"""`dangan preserve`: exit codes and messages as an operator meets them (audit and rebuild: see their own tests)."""

from __future__ import annotations

import pytest

from dangan.catalog.models import ArchivalUnit
from dangan.cli import main
from dangan.preservation.models import PreservedPackage

from .conftest import PDF

pytestmark = pytest.mark.django_db


def test_help_is_bilingual(capsys):
    for command in ("preserve", "audit", "rebuild"):
        with pytest.raises(SystemExit) as exc:
            main([command, "--help"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert "退出码" in out and "exit codes" in out


def test_preserve_exit_codes(storage, make_unit, source_files, tmp_path, capsys):
    unit = make_unit()
    pdf, txt = source_files({"0001.pdf": PDF, "说明.txt": b"x"})
    with pytest.raises(SystemExit) as exc:
        main(["preserve", str(pdf)])  # --unit missing
    assert exc.value.code == 2
    assert main(["preserve", "--unit", "Z109-WS·2099-Y-BGS-9999", str(pdf)]) == 2
    assert "找不到" in capsys.readouterr().err
    assert main(["preserve", "--unit", unit.reference_code, str(tmp_path / "nowhere.pdf")]) == 2
    assert "不存在" in capsys.readouterr().err

    assert main(["preserve", "--unit", unit.reference_code, str(pdf), str(txt), "-m", "接收"]) == 0
    assert "v1" in capsys.readouterr().out
    assert main(["preserve", "--unit", str(unit.uuid), str(pdf)]) == 0  # by UUID; nothing new
    assert "无变化" in capsys.readouterr().out
    package = PreservedPackage.objects.get()
    assert package.head_version == "v1" and package.versions.get().message == "接收"

    ArchivalUnit.objects.filter(pk=unit.pk).update(title="坏\x0b字符")
    (changed,) = source_files({"说明.txt": b"y"})
    assert main(["preserve", "--unit", unit.reference_code, str(changed)]) == 1
    assert "保存失败" in capsys.readouterr().err
    package.refresh_from_db()
    assert package.head_version == "v1"
