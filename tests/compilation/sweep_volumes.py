"""Sweep declarations of the compilation app's volumes part (gathered by tests/compilation/sweep.py): every page and
endpoint needs COMPILATION_EDIT (the archivists). The world's compilation holds an entry of the 公开 unit and one of
the 秘密 unit: the 公开 archivist never sees the second (its page and its API answer 404 like a missing one), nor
the export made by the 绝密 archivist that holds it (its download is a 404 to them); the 公开 export is everyone's.
Posts are refusals (empty or unknown input) so that the world stays as it is; the destructive ones are excluded."""

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder

EDIT = expect(403, archivists=200)
EDIT_POSTED = expect(403, archivists=302)
HIDDEN = expect(403, archivists=200, archivist_public=404)
MISSING = expect(403, archivists=404)


def _build(world: World) -> None:
    from pathlib import Path

    from dangan.compilation.actions.volumes import (
        do_add_entry,
        do_add_section,
        do_create_compilation,
        do_set_note,
    )
    from dangan.compilation.models import ExportJob, ExportState
    from dangan.core.actors import CONSOLE

    world["@unit.public"], world["@unit.secret"]
    public, secret = world.objects["unit.public"], world.objects["unit.secret"]
    root = Path(world.tmp_path) / "compilation-exports"
    root.mkdir(parents=True, exist_ok=True)
    world.settings.COMPILATION_EXPORT_ROOT = root
    book = do_create_compilation(CONSOLE, {"title": "巡检选编", "preface": "前言"})
    section = do_add_section(CONSOLE, book, "一、巡检")
    open_entry = do_add_entry(CONSOLE, book, str(public.uuid), section=section)
    hidden_entry = do_add_entry(CONSOLE, book, str(secret.uuid))
    do_set_note(CONSOLE, open_entry, 1, "注释")
    jobs = {}
    for key, units in (("open", [public.pk]), ("full", [public.pk, secret.pk])):
        job = ExportJob.objects.create(compilation=book, format="pdf", state=ExportState.DONE, units=units)
        job.file = f"{job.uuid.hex}.pdf"
        job.save(update_fields=["file"])
        (root / job.file).write_bytes(b"%PDF-1.7\n")
        jobs[key] = job.uuid
    world.objects.update(
        {
            "volumes.book": book.pk,
            "volumes.section": section.pk,
            "volumes.entry": open_entry.pk,
            "volumes.hidden_entry": hidden_entry.pk,
            "volumes.open_export": str(jobs["open"]),
            "volumes.full_export": str(jobs["full"]),
        }
    )


register_builder("volumes", _build)

BOOK = "@volumes.book"
PAGES = [
    Page("compilation:volumes", EDIT, needs=(BOOK,)),
    # An empty title: refused on the form (422), nothing created.
    Page("compilation:volumes", expect(403, archivists=422), method="POST", data={"title": ""}),
    Page("compilation:volume", EDIT, pk=BOOK),
    Page("compilation:volume", expect(403, archivists=422), pk=BOOK, method="POST", data={"title": ""}),
    Page("compilation:section_add", EDIT_POSTED, pk=BOOK, method="POST", data={"title": ""}),
    Page(
        "compilation:section_action",
        EDIT_POSTED,
        pk=BOOK,
        section_id="@volumes.section",
        action="rename",
        method="POST",
        data={"title": ""},
    ),
    Page("compilation:entry_add", EDIT_POSTED, pk=BOOK, method="POST", data={"unit": ""}),
    Page("compilation:entry", EDIT, pk=BOOK, entry_id="@volumes.entry"),
    Page("compilation:entry", HIDDEN, pk=BOOK, entry_id="@volumes.hidden_entry", note="a hidden unit"),
    Page(
        "compilation:entry",
        expect(403, archivists=422),
        pk=BOOK,
        entry_id="@volumes.entry",
        method="POST",
        data={"heading": ""},
    ),
    Page(
        "compilation:entry_action",
        MISSING,
        pk=BOOK,
        entry_id="@volumes.entry",
        action="sideways",
        method="POST",
        data={},
    ),
    Page(
        "compilation:entry_action",
        expect(403, archivists=302, archivist_public=404),
        pk=BOOK,
        entry_id="@volumes.hidden_entry",
        action="up",
        method="POST",
        data={},
        note="a hidden unit: answered as missing (first of its part: nothing moves for the others)",
    ),
    Page(
        "compilation:note_action",
        EDIT_POSTED,
        pk=BOOK,
        entry_id="@volumes.entry",
        action="set",
        method="POST",
        data={"number": "2", "text": ""},
    ),
    Page(
        "compilation:image_action",
        EDIT_POSTED,
        pk=BOOK,
        entry_id="@volumes.entry",
        action="add",
        method="POST",
        data={"page": "9"},
    ),
    Page("compilation:index", EDIT, pk=BOOK),
    Page("compilation:exports", EDIT, pk=BOOK),
    # An unknown format: refused with a message, nothing queued.
    Page("compilation:export_start", EDIT_POSTED, pk=BOOK, method="POST", data={"format": "rtf"}),
    Page("compilation:export_download", EDIT, uuid="@volumes.open_export"),
    Page("compilation:export_download", HIDDEN, uuid="@volumes.full_export", note="holds a hidden unit"),
]
ENDPOINTS = [
    Api("GET /api/compilations", EDIT, needs=(BOOK,)),
    Api("GET /api/compilations/{compilation_id}", EDIT, compilation_id=BOOK),
    Api(
        "GET /api/compilations/{compilation_id}/entries/{entry_id}",
        EDIT,
        compilation_id=BOOK,
        entry_id="@volumes.entry",
    ),
    Api(
        "GET /api/compilations/{compilation_id}/entries/{entry_id}",
        HIDDEN,
        compilation_id=BOOK,
        entry_id="@volumes.hidden_entry",
    ),
    Api(
        "POST /api/compilations/{compilation_id}/exports",
        expect(403, archivists=422),
        compilation_id=BOOK,
        data={"format": "rtf"},
    ),
    Api(
        "GET /api/compilations/{compilation_id}/exports/{job_id}",
        EDIT,
        compilation_id=BOOK,
        job_id="@volumes.full_export",
    ),
]
EXCLUDED: dict[str, str] = {
    "compilation:volume_delete": "deletes the world's compilation; tests/compilation/test_volumes_views.py covers it",
}
