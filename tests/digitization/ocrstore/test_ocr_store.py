"""OCR of a unit's preserved pages: the text stored per page, one new package version holding the ALTO and text of
every page beside a valid METS, search finding a word printed on a page, and a rerun skipping the pages done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from dangan.core.audit import AuditEntry
from dangan.digitization.actions.ocr import do_ocr_unit
from dangan.digitization.models import PageText, PageTextRevision
from dangan.preservation.mets import validate_mets
from dangan.preservation.models import PackageFile, PreservedPackage
from dangan.preservation.store import METS_PATH

pytestmark = pytest.mark.django_db

ALTO_SCHEMA = Path(__file__).parents[2] / "conformance" / "data" / "schemas" / "alto" / "alto-4-4.xsd"


def alto_problems(data: bytes) -> list[str]:
    schema = etree.XMLSchema(etree.parse(str(ALTO_SCHEMA)))
    ok = schema.validate(etree.fromstring(data))
    return [] if ok else [str(e) for e in schema.error_log]


def head_files(unit: Any) -> dict[str, PackageFile]:
    package = PreservedPackage.objects.get(unit=unit)
    head = package.versions.order_by("-number").first()
    return {f.logical_path: f for f in PackageFile.objects.filter(version=head)}


def read_head(unit: Any, path: str) -> bytes:
    from dangan.preservation.store import storage_root

    package = PreservedPackage.objects.get(unit=unit)
    with storage_root().open_file(package.object_id, path) as handle:
        return handle.read()


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_ocr_stores_page_texts_and_one_package_version(digitized_unit: Any, archivist: Any) -> None:
    package = PreservedPackage.objects.get(unit=digitized_unit)
    versions_before = package.versions.count()

    result = do_ocr_unit(archivist, digitized_unit)

    assert (result.pages_total, result.pages_recognized, result.pages_skipped) == (2, 2, 0)
    texts = list(PageText.objects.filter(unit=digitized_unit).order_by("page"))
    assert [t.page for t in texts] == [1, 2]
    assert "遵义会议" in squeeze(texts[0].text) and "娄山关" in squeeze(texts[1].text)
    assert texts[0].master_path == "content/masters/0001.tif" and len(texts[0].master_sha256) == 64
    assert texts[0].engine and texts[0].revision == 1
    assert PageTextRevision.objects.filter(page_text__unit=digitized_unit, source="ocr").count() == 2
    # One new version for the whole unit, holding both pages' ALTO and text under metadata/ocr/.
    assert package.versions.count() == versions_before + 1
    files = head_files(digitized_unit)
    for name in ("0001.alto.xml", "0001.txt", "0002.alto.xml", "0002.txt"):
        assert files[f"metadata/ocr/{name}"].use == "metadata"
    assert "content/masters/0001.tif" in files  # the masters stay
    alto = read_head(digitized_unit, "metadata/ocr/0001.alto.xml")
    assert alto_problems(alto) == []
    assert read_head(digitized_unit, "metadata/ocr/0002.txt").decode() == texts[1].text + "\n"
    assert validate_mets(read_head(digitized_unit, METS_PATH)) == []
    entry = AuditEntry.objects.filter(action="digitization.ocr.unit").get()
    assert entry.data["recognized"] == [1, 2]


def test_a_rerun_skips_the_pages_done_and_writes_no_version(ocred_unit: Any, archivist: Any) -> None:
    package = PreservedPackage.objects.get(unit=ocred_unit)
    versions = package.versions.count()

    again = do_ocr_unit(archivist, ocred_unit)

    assert (again.pages_recognized, again.pages_skipped, again.version_created) == (0, 2, False)
    assert package.versions.count() == versions


def test_a_run_cut_short_resumes_from_the_next_page(digitized_unit: Any, archivist: Any) -> None:
    """As a kill after the first page leaves it: page 1's text saved, no package version yet."""
    do_ocr_unit(archivist, digitized_unit)
    package = PreservedPackage.objects.get(unit=digitized_unit)
    PageText.objects.filter(unit=digitized_unit, page=2).delete()
    first = PageText.objects.get(unit=digitized_unit, page=1)

    resumed = do_ocr_unit(archivist, digitized_unit)

    assert (resumed.recognized, resumed.pages_skipped) == ([2], 1)
    assert PageText.objects.get(unit=digitized_unit, page=1).revision == first.revision  # not read again
    assert PageText.objects.filter(unit=digitized_unit).count() == 2
    assert package.versions.count() >= 2


def test_search_finds_a_word_printed_on_a_page(ocred_unit: Any, archivist: Any) -> None:
    from dangan.search.service import SearchRequest, search

    found = search(archivist, SearchRequest(q="全文:娄山关"))
    assert [hit.unit.pk for hit in found.hits] == [ocred_unit.pk]
    assert search(archivist, SearchRequest(q="全文:瑞金")).total == 0


def test_ocr_needs_preserved_pages_and_the_capability(make_unit: Any, storage: Any, archivist: Any, db: Any) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from tests.helpers import account

    unit = make_unit()
    with pytest.raises(ValidationError, match="没有已保存的页面图像"):
        do_ocr_unit(archivist, unit)
    reader = account("security_auditor", "public", username="reader")
    with pytest.raises(PermissionDenied):
        do_ocr_unit(reader, unit)


def test_the_text_files_come_back_from_storage_alone(ocred_unit: Any) -> None:
    """`dangan rebuild` recreates the rows of the text files from the METS, as metadata of the package."""
    from dangan.core.actors import CONSOLE
    from dangan.preservation.actions.indexing import rebuild_from_storage

    PreservedPackage.objects.all().delete()
    report = rebuild_from_storage(CONSOLE)
    assert report.ok
    files = head_files(ocred_unit)
    assert files["metadata/ocr/0001.alto.xml"].use == "metadata"
    assert files["metadata/ocr/0002.txt"].mime_type.startswith("text/")
