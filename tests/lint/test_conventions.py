"""The convention checker (``python -m dangan.utilities.lint``, run by ``make lint``): each rule with a good and a bad
example on real files, the allowances, and the repository itself clean."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dangan.utilities.lint import RULES, Problem, check_paths, main

REPO = Path(__file__).resolve().parents[2]

MODELS = """
from django.db import models
from dangan.utilities.models import StableIdentityModel

class Base(models.Model):
    class Meta:
        abstract = True

class ArchivalUnit(StableIdentityModel):
    title = models.CharField(max_length=10)

class Special(Base):
    class Meta:
        db_table = "special_things"
"""


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` ({relative path: source}) under ``root``/src/dangan, with a catalog app (apps.py, models)."""
    base = root / "src" / "dangan"
    sources = {
        "catalog/apps.py": 'from django.apps import AppConfig\n\nclass C(AppConfig):\n    label = "catalog"\n',
        "catalog/models/__init__.py": MODELS,
        **files,
    }
    for name, source in sources.items():
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / name).write_text(textwrap.dedent(source), encoding="utf-8")
    return root / "src"


def problems(tmp_path: Path, files: dict[str, str]) -> list[Problem]:
    return check_paths([write(tmp_path, files)])


def rules_at(found: list[Problem]) -> list[tuple[str, int]]:
    return [(p.rule, p.line) for p in found]


# ---------------------------------------------------------------- state-change


STATE_BAD = """
from dangan.catalog.models import ArchivalUnit

def edit(request, unit):
    unit.title = request.POST["title"]
    unit.save()
    form.save()
    ArchivalUnit.objects.create(title="x")
    ArchivalUnit.objects.filter(pk=1).update(title="y")
    ArchivalUnit.objects.bulk_create([])
    unit.delete()
    cursor.execute("UPDATE catalog_thing SET a = 1")
"""

STATE_GOOD = """
from dangan.catalog.actions.units import do_update_unit
from dangan.catalog.models import Fonds

@router.delete("/units/{unit_id}")
def edit(request, unit):
    context = {}
    context.update({"a": 1})
    do_update_unit(request.user, unit, {"title": request.POST["title"]})
    cursor.execute("SELECT 1")
    return Fonds.objects.filter(pk=1).exists()
"""


@pytest.mark.parametrize(
    "module", ["catalog/views.py", "catalog/views/units.py", "catalog/api/units.py", "catalog/tasks.py"]
)
def test_state_changes_in_views_api_and_tasks_are_flagged(tmp_path: Path, module: str) -> None:
    found = [p for p in problems(tmp_path, {module: STATE_BAD}) if p.rule == "state-change"]
    assert [p.line for p in found] == [6, 7, 8, 9, 10, 11, 12], found
    assert "actions" in found[0].message


def test_reads_and_dict_updates_are_not_state_changes(tmp_path: Path) -> None:
    assert problems(tmp_path, {"catalog/views.py": STATE_GOOD}) == []


def test_actions_may_change_state(tmp_path: Path) -> None:
    assert problems(tmp_path, {"catalog/actions/units.py": STATE_BAD}) == []


# ---------------------------------------------------------------- raw-table


def test_a_models_table_name_in_sql_is_flagged(tmp_path: Path) -> None:
    bad = """
    def count(cursor):
        cursor.execute("SELECT count(*) FROM catalog_archivalunit")
        cursor.execute(f"SELECT * FROM special_things WHERE id = {1}")
        TABLE = "catalog_archivalunit"
    """
    found = problems(tmp_path, {"catalog/stats.py": bad})
    assert rules_at(found) == [("raw-table", 3), ("raw-table", 4), ("raw-table", 5)]
    assert "ArchivalUnit._meta.db_table" in found[0].message and "Special._meta.db_table" in found[1].message


def test_the_table_from_meta_is_fine(tmp_path: Path) -> None:
    good = '''
    """Counts rows of catalog_archivalunit (a docstring is prose)."""
    from dangan.catalog.models import ArchivalUnit

    def count(cursor):
        cursor.execute(f"SELECT count(*) FROM {ArchivalUnit._meta.db_table}")
        cursor.execute("SELECT count(*) FROM catalog_archivalunit_extra")  # not a model's table
        cursor.execute("SELECT count(*) FROM base")  # abstract models have no table
    '''
    assert problems(tmp_path, {"catalog/stats.py": good}) == []


# ---------------------------------------------------------------- untranslated


UNTRANSLATED_BAD = """
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from ninja.errors import HttpError

def view(request, form, name):
    messages.success(request, "已保存。")
    raise ValidationError({"title": "题名不能为空"})
    raise PermissionDenied(f"无权修改 {name}")
    raise Http404("未找到")
    form.add_error("title", "题名太长")
    raise HttpError(409, "已被他人修改")
    return HttpResponse("档案" + name)
"""

UNTRANSLATED_GOOD = """
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _, gettext_lazy

def view(request, form, name):
    messages.success(request, _("已保存。"))
    raise ValidationError({"title": _("题名不能为空")})
    raise ValidationError(_("无权修改 %(name)s") % {"name": name})
    raise ValidationError(_("无权修改 {name}").format(name=name))
    raise ValidationError("Title required")  # not Chinese: not this rule's business
    form.add_error("title", gettext_lazy("题名太长"))
    print("档案")  # not shown through a response
"""


def test_chinese_messages_without_gettext_are_flagged(tmp_path: Path) -> None:
    found = problems(tmp_path, {"catalog/views.py": UNTRANSLATED_BAD})
    assert rules_at(found) == [("untranslated", n) for n in (8, 9, 10, 11, 12, 13, 14)], found


def test_wrapped_messages_are_fine(tmp_path: Path) -> None:
    assert problems(tmp_path, {"catalog/actions/units.py": UNTRANSLATED_GOOD}) == []


def test_chinese_prose_in_templates_must_be_translated(tmp_path: Path) -> None:
    bad = """
    {% load i18n %}
    <h1>全宗列表</h1>
    <p>{{ fonds.name }}（共 {{ count }} 件）</p>
    """
    good = """
    {% load i18n %}
    <h1>{% translate "全宗列表" %}</h1>
    {% blocktranslate with n=count %}共 {{ n }} 件
    档案{% endblocktranslate %}
    {# 注释：说明 #}
    <p>{{ fonds.name }}：<code>题名:遵义</code></p>
    """
    found = problems(tmp_path, {"catalog/templates/catalog/bad.html": bad, "catalog/templates/catalog/good.html": good})
    assert [(p.rule, p.line, Path(p.path).name) for p in found] == [
        ("untranslated", 3, "bad.html"),
        ("untranslated", 4, "bad.html"),
    ]


# ---------------------------------------------------------------- policy


POLICY_BAD = """
from django.shortcuts import get_object_or_404
from dangan.catalog.models import ArchivalUnit

def unit_detail(request, uuid):
    unit = get_object_or_404(ArchivalUnit, uuid=uuid)
    parents = ArchivalUnit.objects.filter(pk=unit.parent_id)
    return unit, parents
"""

POLICY_GOOD = """
from django.http import Http404
from dangan.catalog.filters import UnitFilter
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.catalog import policy

def unit_detail(request, uuid):
    unit = ArchivalUnit.objects.filter(uuid=uuid).first()
    if unit is None or not can_view_unit(request.user, unit):
        raise Http404
    return unit

def children(request, unit):
    return visible_units(request.user, ArchivalUnit.objects.filter(parent=unit))

def search(request):
    return UnitFilter.from_params(request.GET).apply(request.user, ArchivalUnit.objects.all())

def count(request):
    return policy.visible_units(request.user, ArchivalUnit.objects.all()).count()
"""


def test_a_route_that_reads_units_without_the_policy_is_flagged(tmp_path: Path) -> None:
    found = problems(tmp_path, {"catalog/views/units.py": POLICY_BAD, "catalog/api.py": POLICY_BAD})
    assert sorted((Path(p.path).name, p.rule, p.line) for p in found) == [
        ("api.py", "policy", 6),
        ("api.py", "policy", 7),
        ("units.py", "policy", 6),
        ("units.py", "policy", 7),
    ]
    assert "catalog.policy" in found[0].message


def test_a_route_that_asks_the_policy_is_fine(tmp_path: Path) -> None:
    assert problems(tmp_path, {"catalog/views/units.py": POLICY_GOOD}) == []
    # Relative imports of the policy count too, inside the catalog.
    relative = POLICY_GOOD.replace("from dangan.catalog.policy import", "from ..policy import")
    assert problems(tmp_path, {"catalog/views/units.py": relative}) == []


def test_the_policy_rule_is_for_routes_only(tmp_path: Path) -> None:
    assert problems(tmp_path, {"catalog/actions/units.py": POLICY_BAD}) == []


# ---------------------------------------------------------------- importorskip


def test_importorskip_in_tests_is_flagged(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        'import pytest\nimport bagit\n\n\ndef test_x():\n    ocfl = pytest.importorskip("ocfl")\n', encoding="utf-8"
    )
    found = check_paths([tmp_path / "tests"])
    assert rules_at(found) == [("importorskip", 6)]
    (tmp_path / "tests" / "test_x.py").write_text(
        "import bagit\n\n\ndef test_x():\n    assert bagit\n", encoding="utf-8"
    )
    assert check_paths([tmp_path / "tests"]) == []


# ---------------------------------------------------------------- allowances


def test_an_allowance_with_a_reason_silences_its_rule_on_its_line(tmp_path: Path) -> None:
    source = """
    def view(request, token):
        token.save()  # conventions: allow state-change — bookkeeping, not domain state
        # conventions: allow state-change — a reason that runs
        # on to a second line
        token.delete()
        token.save()
    """
    found = problems(tmp_path, {"core/views.py": source})
    assert rules_at(found) == [("state-change", 7)]


def test_an_allowance_needs_a_known_rule_and_a_reason_and_a_use(tmp_path: Path) -> None:
    source = """
    def view(request, token):
        token.save()  # conventions: allow state-change
        token.save()  # conventions: allow stat-change — typo
        x = 1  # conventions: allow state-change — nothing to allow here
    """
    found = problems(tmp_path, {"core/views.py": source})
    assert rules_at(found) == [
        ("allowance", 3),
        ("state-change", 3),
        ("allowance", 4),
        ("state-change", 4),
        ("allowance", 5),
    ], found


def test_a_file_wide_allowance(tmp_path: Path) -> None:
    template = "<h1>服务器错误</h1>\n{# conventions: allow-file untranslated — the bare 500 page #}\n"
    assert problems(tmp_path, {"templates/500.html": template}) == []


# ---------------------------------------------------------------- the command and the repository


def test_the_command_prints_problems_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write(tmp_path, {"catalog/views.py": STATE_BAD})
    assert main([str(root)]) == 1
    out = capsys.readouterr().out
    assert f"{root / 'dangan/catalog/views.py'}:6:5: state-change:" in out
    assert main([str(root / "dangan" / "catalog" / "models")]) == 0


def test_every_rule_is_documented() -> None:
    guide = (REPO / "docs" / "development.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"`{rule}`" in guide, f"docs/development.md does not describe the rule {rule}"


def test_the_repository_follows_its_conventions() -> None:
    """What make lint runs: every finding in src and tests is fixed or allowed with its reason."""
    result = subprocess.run(
        [sys.executable, "-m", "dangan.utilities.lint", "src", "tests"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
