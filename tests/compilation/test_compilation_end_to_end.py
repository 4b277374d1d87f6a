"""A compilation exported with the real writers (parts volumes and export joined): through the CLI and through an
export job, as PDF (the heading, the note, the index and the image in the file; nothing the exporter may not see),
EPUB (passes epubcheck) and DOCX (East Asian fonts, the footnote)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from dangan.compilation.actions import volumes as A
from dangan.compilation.models import Compilation, ExportState
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from tests.compilation.test_export_epub import EPUBCHECK, epubcheck
from tests.helpers import account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def real_writers(settings: Any) -> None:
    settings.COMPILATION_WRITERS = {}  # the writers of part export, not the test writer of conftest.py
    settings.COMPILATION_IMAGE_PIXELS = 400


@pytest.fixture
def chief(db: Any) -> Any:
    return account(Role.ARCHIVIST, SecurityClassification.TOP_SECRET)


@pytest.fixture
def junior(db: Any) -> Any:
    return account(Role.ARCHIVIST, SecurityClassification.PUBLIC)


@pytest.fixture
def volume(chief: Any, make_unit: Any, digitized: Any) -> Compilation:
    from dangan.catalog.actions.authorities import do_create_authority, do_link_authority

    book = A.do_create_compilation(
        chief, {"title": "红军长征转战贵州重要档案选编", "preface": "本书选编……", "editorial_notes": "一、本书所收……"}
    )
    scanned = digitized(title="遵义会议决议", sizes=((600, 840),))
    entry = A.do_add_entry(chief, book, str(scanned.uuid))
    A.do_update_entry(chief, entry, {"text": "中央政治局扩大会议〔注1〕，于一九三五年一月在遵义召开。\n会议决定：……"})
    A.do_set_note(chief, entry, 1, "即遵义会议。")
    A.do_add_image(chief, entry, 1, "决议第一页")
    zunyi = do_create_authority(CONSOLE, {"kind": "place", "name": "遵义"})
    do_link_authority(CONSOLE, scanned, zunyi, "place")
    secret = make_unit("绝密电报", classification=SecurityClassification.SECRET)
    hidden = A.do_add_entry(chief, book, str(secret.uuid))
    A.do_update_entry(chief, hidden, {"text": "不得外传的电文。"})
    book.refresh_from_db()
    return book


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(str(path)).pages)
    return "".join(ch for ch in text if ch not in " \x00\n\u3000")


def test_the_cli_exports_pdf_epub_and_docx_with_only_what_the_exporter_may_see(
    volume: Compilation, junior: Any, tmp_path: Path
) -> None:
    from dangan.cli import main

    pdf, epub, docx = tmp_path / "v.pdf", tmp_path / "v.epub", tmp_path / "v.docx"
    for out, fmt in ((pdf, "pdf"), (epub, "epub"), (docx, "docx")):
        argv = ["compilation", "export", str(volume.pk), "--format", fmt, "-o", str(out), "--quiet"]
        assert main([*argv, "--as", junior.username]) == 0
    text = _pdf_text(pdf)
    assert "遵义会议决议" in text and "即遵义会议" in text and "遵义" in text and "绝密电报" not in text
    assert b"/Subtype /Image" in pdf.read_bytes() or b"/Subtype/Image" in pdf.read_bytes()
    with zipfile.ZipFile(epub) as z:
        content = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xhtml"))
    assert "遵义会议决议" in content and "绝密电报" not in content and "不得外传" not in content
    with zipfile.ZipFile(docx) as z:
        document = z.read("word/document.xml").decode()
        footnotes = z.read("word/footnotes.xml").decode()
        styles = z.read("word/styles.xml").decode()
    assert "遵义会议决议" in document and "绝密电报" not in document and "即遵义会议" in footnotes
    assert "w:eastAsia=" in styles
    if EPUBCHECK is not None:
        result = epubcheck(epub)
        assert result.returncode == 0, result.stdout + result.stderr


def test_an_export_job_makes_a_vertical_pdf_for_its_requester(
    volume: Compilation, chief: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from pypdf import PdfReader

    with django_capture_on_commit_callbacks(execute=True):
        job = A.do_request_export(chief, volume, "pdf", vertical=True)
    job.refresh_from_db()
    assert job.state == ExportState.DONE, job.error
    path = Path(settings.COMPILATION_EXPORT_ROOT) / job.file
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and b"/Direction /R2L" in data  # bound on the right
    assert len(PdfReader(str(path)).pages) >= 4
