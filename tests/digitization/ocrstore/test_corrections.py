"""Corrections of OCR text, line by line: a revision with the lines changed, an audit entry, the ALTO rewritten with
its boxes kept and still valid, a new package version, search following, and a stale version refused (409)."""

from __future__ import annotations

from typing import Any

import pytest

from dangan.core.audit import AuditEntry
from dangan.digitization.actions.ocr import do_correct_lines
from dangan.digitization.models import PageText
from dangan.digitization.ocr import parse_alto
from dangan.preservation.models import PreservedPackage
from dangan.utilities.concurrency import EditConflict

from .test_ocr_store import alto_problems, read_head

pytestmark = pytest.mark.django_db


def first_line(row: PageText) -> Any:
    return parse_alto(row.alto.encode()).lines[0]


def test_a_correction_is_a_revision_with_its_lines_and_an_audit_entry(ocred_unit: Any, archivist: Any) -> None:
    from dangan.search.service import SearchRequest, search

    row = PageText.objects.get(unit=ocred_unit, page=1)
    line = first_line(row)
    package = PreservedPackage.objects.get(unit=ocred_unit)
    versions = package.versions.count()

    result = do_correct_lines(archivist, row, {line.id: "瑞金会议决议"}, row.version)

    row.refresh_from_db()
    assert (row.revision, row.version) == (2, 2)
    assert row.text.splitlines()[0] == "瑞金会议决议"
    revision = row.revisions.get(revision=2)
    assert revision.source == "correction" and revision.user == archivist
    assert revision.changes == [{"id": line.id, "old": line.text, "new": "瑞金会议决议"}]
    assert revision.package_version == result.package_version
    entry = AuditEntry.objects.filter(action="digitization.ocr.correct").get()
    assert entry.data["lines"][0]["new"] == "瑞金会议决议"
    # The ALTO keeps the line's box; the characters are spread evenly over it; it is valid; storage has it.
    changed = first_line(row)
    assert changed.id == line.id and changed.box == line.box
    assert "".join(g.text for g in changed.glyphs) == "瑞金会议决议"
    assert changed.glyphs[0].box.x == line.box.x
    assert alto_problems(row.alto.encode()) == []
    assert package.versions.count() == versions + 1
    assert read_head(ocred_unit, "metadata/ocr/0001.txt").decode().startswith("瑞金会议决议")
    # Search follows the correction.
    assert [h.unit.pk for h in search(archivist, SearchRequest(q="全文:瑞金")).hits] == [ocred_unit.pk]


def test_a_stale_version_is_refused(ocred_unit: Any, archivist: Any) -> None:
    row = PageText.objects.get(unit=ocred_unit, page=1)
    line = first_line(row)
    do_correct_lines(archivist, row, {line.id: "第一次校对"}, row.version)

    with pytest.raises(EditConflict) as caught:
        do_correct_lines(archivist, row, {line.id: "第二次校对"}, 1)
    assert caught.value.current_version == 2
    row.refresh_from_db()
    assert row.text.splitlines()[0] == "第一次校对"


def test_an_unchanged_line_makes_no_revision(ocred_unit: Any, archivist: Any) -> None:
    row = PageText.objects.get(unit=ocred_unit, page=1)
    line = first_line(row)
    result = do_correct_lines(archivist, row, {line.id: line.text}, row.version)
    assert result.changed == []
    assert PageText.objects.get(pk=row.pk).revision == 1


def test_an_unknown_line_is_refused(ocred_unit: Any, archivist: Any) -> None:
    from django.core.exceptions import ValidationError

    row = PageText.objects.get(unit=ocred_unit, page=1)
    with pytest.raises(ValidationError, match="没有行"):
        do_correct_lines(archivist, row, {"no-such-line": "文字"}, row.version)


def test_the_audit_log_shows_a_correction_only_to_those_who_see_the_unit(
    make_unit: Any, digitize: Any, archivist: Any, junior_archivist: Any
) -> None:
    from dangan.core.auditlog.display import present
    from dangan.digitization.actions.ocr import do_ocr_unit

    secret = digitize(make_unit(classification="secret", openness="controlled"), pages=(("机密文件",),))
    do_ocr_unit(archivist, secret)
    row = PageText.objects.get(unit=secret, page=1)
    do_correct_lines(archivist, row, {first_line(row).id: "机密文件（校）"}, row.version)
    entries = AuditEntry.objects.filter(action__startswith="digitization.ocr.").order_by("pk")
    assert [v.withheld for v in present(entries, archivist)] == [False, False]
    assert [v.withheld for v in present(entries, junior_archivist)] == [True, True]


def test_a_corrected_vertical_column_spreads_its_characters_down_the_column(
    digitized_unit: Any, archivist: Any
) -> None:
    """A page read as vertical columns (right to left): the corrected column keeps its box, its characters share
    its height evenly, top to bottom; the other column is untouched."""
    from dangan.digitization.ocr import Box, Glyph, PageResult, TextLine, to_alto

    def column(x: int, text: str) -> TextLine:
        box = Box(x, 100, 60, 50 * len(text))
        glyphs = [Glyph(c, Box(x, 100 + 50 * i, 60, 48), 0.9) for i, c in enumerate(text)]
        return TextLine(f"c{x}", text, box, glyphs, True, 0.9)

    page = PageResult(800, 1000, [column(600, "遵義會議"), column(500, "紅軍總部")], True, "test")
    alto = to_alto(page, image_name="0001.tif").decode()
    row = PageText.objects.create(
        unit=digitized_unit,
        page=1,
        master_path="content/masters/0001.tif",
        master_sha256="0" * 64,
        text=page.text,
        alto=alto,
        engine="test",
    )
    first, second = parse_alto(alto.encode()).lines

    do_correct_lines(archivist, row, {first.id: "遵义会议决议"}, row.version)

    row.refresh_from_db()
    changed, untouched = parse_alto(row.alto.encode()).lines
    assert changed.vertical and changed.box == first.box
    assert [g.text for g in changed.glyphs] == list("遵义会议决议")
    assert [g.box.y for g in changed.glyphs] == [first.box.y + round(i * first.box.height / 6) for i in range(6)]
    assert all(g.box.x == first.box.x and g.box.width == first.box.width for g in changed.glyphs)
    assert (untouched.text, untouched.box) == (second.text, second.box)
    assert row.text.splitlines() == ["遵义会议决议", "紅軍總部"]
    assert alto_problems(row.alto.encode()) == []
