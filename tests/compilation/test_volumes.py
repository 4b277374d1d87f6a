"""Part volumes: compilations edited through their actions — entries of units the editor may see (others refused as
missing), ordering, the transcription from OCR, notes anchored by markers, the index in pinyin order, the Book
limited to what the exporter may see, and the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from dangan.compilation.actions import volumes as A
from dangan.compilation.models import Compilation, Entry, Note, TextSource
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import AuditEntry
from dangan.digitization.ocr import PageResult
from tests.digitization.iiif.pages import row, store_text
from tests.helpers import account

pytestmark = pytest.mark.django_db

SECRET = SecurityClassification.SECRET


@pytest.fixture
def editor(db: Any) -> Any:
    return account(Role.ARCHIVIST, SecurityClassification.PUBLIC)


@pytest.fixture
def book(editor: Any) -> Compilation:
    return A.do_create_compilation(editor, {"title": "红军长征在贵州档案选编", "editor": "贵州省档案馆"})


def headings(viewer: Any, compilation: Compilation) -> list[str]:
    return [e.heading for e in A.compilation_view(viewer, compilation).entries]


def test_create_edit_and_audit(editor: Any, book: Compilation) -> None:
    with pytest.raises(ValidationError) as caught:
        A.do_create_compilation(editor, {"title": "  "})
    assert "请填写书名" in str(caught.value)
    A.do_update_compilation(editor, book, {"preface": "前言第一段\n\n前言第二段", "year": "2026"}, version=1)
    book.refresh_from_db()
    assert (book.version, book.year) == (2, "2026")
    from dangan.utilities.concurrency import EditConflict

    with pytest.raises(EditConflict):
        A.do_update_compilation(editor, book, {"year": "2027"}, version=1)
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "compilation.create" in actions and "compilation.edit" in actions
    reader = account(Role.READER)
    with pytest.raises(PermissionDenied):
        A.do_create_compilation(reader, {"title": "x"})


def test_hidden_unit_is_refused_like_a_missing_one(editor: Any, book: Compilation, make_unit: Any) -> None:
    secret = make_unit("绝密会议记录", classification=SECRET)
    with pytest.raises(ValidationError) as hidden:
        A.do_add_entry(editor, book, str(secret.uuid))
    with pytest.raises(ValidationError) as missing:
        A.do_add_entry(editor, book, "00000000-0000-0000-0000-000000000000")
    assert hidden.value.message_dict == missing.value.message_dict == {"unit": ["找不到该档案。"]}
    assert not Entry.objects.exists()


def test_entries_sections_and_ordering(editor: Any, book: Compilation, make_unit: Any) -> None:
    units = [make_unit(f"文件{n}") for n in range(1, 4)]
    first, second, third = (A.do_add_entry(editor, book, str(u.uuid)) for u in units)
    assert first.heading == "文件1" and first.text_source == TextSource.TYPED
    with pytest.raises(ValidationError):
        A.do_add_entry(editor, book, str(units[0].uuid))  # once only
    assert headings(editor, book) == ["文件1", "文件2", "文件3"]
    assert A.do_move_entry(editor, third, "up")
    assert headings(editor, book) == ["文件1", "文件3", "文件2"]
    assert not A.do_move_entry(editor, first, "up")
    part = A.do_add_section(editor, book, "一、遵义会议")
    A.do_update_entry(editor, second, {}, section=part)
    view = A.compilation_view(editor, book)
    assert [(s.title if s else None, [e.heading for e in es]) for s, es in view.sections] == [
        (None, ["文件1", "文件3"]),
        ("一、遵义会议", ["文件2"]),
    ]
    A.do_remove_entry(editor, first)
    assert headings(editor, book) == ["文件3", "文件2"]
    A.do_remove_section(editor, part)
    assert headings(editor, book) == ["文件3", "文件2"]


def test_a_hidden_entry_is_neither_shown_nor_edited(editor: Any, book: Compilation, make_unit: Any) -> None:
    chief = account(Role.ARCHIVIST, SecurityClassification.TOP_SECRET)
    open_unit, secret = make_unit("公开文件"), make_unit("秘密文件", classification=SECRET)
    A.do_add_entry(chief, book, str(open_unit.uuid))
    hidden = A.do_add_entry(chief, book, str(secret.uuid))
    view = A.compilation_view(editor, book)
    assert [e.heading for e in view.entries] == ["公开文件"] and view.hidden == 1
    with pytest.raises(Http404):
        A.visible_entry(editor, hidden.pk)
    with pytest.raises(Http404):
        A.do_update_entry(editor, hidden, {"heading": "改"})
    with pytest.raises(Http404):
        A.do_remove_entry(editor, hidden)


def test_transcription_starts_from_ocr_and_keeps_its_own_text(editor: Any, book: Compilation, digitized: Any) -> None:
    from dangan.digitization.models import PageText

    unit = digitized(title="遵义会议决议")
    store_text(unit, 1, PageResult(300, 420, [row("l1", "中央政治局扩大会议", 10, 10)], False, "x"))
    store_text(unit, 2, PageResult(320, 400, [row("l1", "决议如下", 10, 10)], False, "x"))
    entry = A.do_add_entry(editor, book, str(unit.uuid))
    assert entry.text_source == TextSource.OCR
    assert entry.text == "中央政治局扩大会议\n\n决议如下"
    A.do_update_entry(editor, entry, {"text": "中央政治局扩大会议〔注1〕\n决议如下。"}, version=entry.version)
    assert sorted(PageText.objects.values_list("text", flat=True)) == ["中央政治局扩大会议", "决议如下"]
    assert A.ocr_text(unit) == "中央政治局扩大会议\n\n决议如下"


def test_notes_anchored_by_markers_survive_edits(editor: Any, book: Compilation, make_unit: Any) -> None:
    entry = A.do_add_entry(editor, book, str(make_unit("电报").uuid))
    A.do_update_entry(editor, entry, {"text": "红军〔注1〕到达遵义。\n\n次日〔注2〕召开会议〔注3〕。"})
    A.do_set_note(editor, entry, 1, "中国工农红军。")
    A.do_set_note(editor, entry, 2, "1935年1月15日。")
    A.do_set_note(editor, entry, 4, "无标记的注释。")
    with pytest.raises(ValidationError):
        A.do_set_note(editor, entry, 5, "  ")
    entry.refresh_from_db()
    paragraphs, notes, orphans = A.split_notes(entry.text, Note.objects.filter(entry=entry))
    assert paragraphs == ("红军到达遵义。", "次日召开会议。")
    assert [(n.paragraph, n.offset, n.text) for n in notes] == [
        (0, 2, "中国工农红军。"),
        (1, 2, "1935年1月15日。"),
        (1, 7, "无标记的注释。"),  # no marker: at the end of the text
    ]
    assert orphans == [3]
    # The editor inserts text before the marker: the note moves with it.
    A.do_update_entry(editor, entry, {"text": "中央红军〔注1〕到达遵义。\n次日〔注2〕召开会议。"})
    entry.refresh_from_db()
    _p, notes, _o = A.split_notes(entry.text, Note.objects.filter(entry=entry))
    assert (notes[0].paragraph, notes[0].offset) == (0, 4)


def test_index_in_pinyin_order(editor: Any, book: Compilation, make_unit: Any) -> None:
    from dangan.catalog.actions.authorities import do_create_authority, do_link_authority

    one, two = make_unit("甲"), make_unit("乙")
    A.do_add_entry(editor, book, str(one.uuid))
    A.do_add_entry(editor, book, str(two.uuid))
    names = {}
    for kind, name in (
        ("person", "周恩来"),
        ("person", "毛泽东"),
        ("place", "遵义"),
        ("place", "安顺"),
        ("person", "博古"),
    ):
        names[name] = do_create_authority(CONSOLE, {"kind": kind, "name": name})
    for unit, linked in ((one, ("周恩来", "遵义", "毛泽东")), (two, ("遵义", "安顺", "博古"))):
        for name in linked:
            do_link_authority(CONSOLE, unit, names[name], "place" if name in ("遵义", "安顺") else "mentioned")
    index = A.build_index({one.pk: 1, two.pk: 2})
    assert [(e.name, e.documents) for e in index] == [
        ("安顺", (2,)),
        ("博古", (2,)),
        ("毛泽东", (1,)),
        ("周恩来", (1,)),
        ("遵义", (1, 2)),
    ]
    assert index[0].sort_key.startswith("an1")


def test_book_leaves_out_what_the_exporter_may_not_see(
    editor: Any, book: Compilation, make_unit: Any, tmp_path: Path
) -> None:
    from dangan.catalog.actions.authorities import do_create_authority, do_link_authority

    chief = account(Role.ARCHIVIST, SecurityClassification.TOP_SECRET)
    open_unit, secret = make_unit("公开文件"), make_unit("秘密文件", classification=SECRET)
    hidden_name = do_create_authority(CONSOLE, {"kind": "person", "name": "秘密人物"})
    do_link_authority(CONSOLE, secret, hidden_name, "mentioned")
    A.do_update_compilation(chief, book, {"preface": "前言一\n\n前言二", "editorial_notes": "凡例一"})
    A.do_add_entry(chief, book, str(secret.uuid))
    A.do_add_entry(chief, book, str(open_unit.uuid))
    book.refresh_from_db()
    full = A.assemble_book(book, chief, tmp_path / "a")
    assert [d.heading for d in full.documents()] == ["秘密文件", "公开文件"]
    assert full.extra["left_out"] == "0" and [e.name for e in full.index] == ["秘密人物"]
    limited = A.assemble_book(book, editor, tmp_path / "b")
    assert [(d.number, d.heading) for d in limited.documents()] == [(1, "公开文件")]
    assert limited.extra["left_out"] == "1" and limited.index == ()
    assert limited.preface == ("前言一", "前言二") and limited.editorial_notes == ("凡例一",)
    assert limited.identifier == f"urn:uuid:{book.uuid}"
    assert "秘密" not in repr(limited)


def test_images_derived_at_print_resolution(
    editor: Any, book: Compilation, digitized: Any, tmp_path: Path, settings: Any
) -> None:
    from PIL import Image

    settings.COMPILATION_IMAGE_PIXELS = 200
    unit = digitized(sizes=((300, 420), (320, 400)))
    entry = A.do_add_entry(editor, book, str(unit.uuid))
    A.do_add_image(editor, entry, 2, "第二页")
    with pytest.raises(ValidationError):
        A.do_add_image(editor, entry, 3)
    result = A.assemble_book(book, editor, tmp_path / "work")
    (image,) = result.documents()[0].images
    assert image.caption == "第二页" and image.path.parent == tmp_path / "work"
    with Image.open(image.path) as opened:
        assert opened.format == "JPEG" and max(opened.size) == 200
        assert (image.width_px, image.height_px) == opened.size


def test_moving_skips_entries_hidden_from_the_editor(editor: Any, book: Compilation, make_unit: Any) -> None:
    chief = account(Role.ARCHIVIST, SecurityClassification.TOP_SECRET)
    first = A.do_add_entry(chief, book, str(make_unit("甲").uuid))
    A.do_add_entry(chief, book, str(make_unit("秘", classification=SECRET).uuid))
    third = A.do_add_entry(chief, book, str(make_unit("丙").uuid))
    assert A.do_move_entry(editor, third, "up")
    assert headings(chief, book) == ["丙", "秘", "甲"]
    assert not A.do_move_entry(editor, third, "up")
    assert A.do_move_entry(editor, first, "up") and headings(chief, book) == ["甲", "秘", "丙"]
