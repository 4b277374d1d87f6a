"""A test-only writer for the export jobs (the real PDF/EPUB/DOCX writers are part export's): the Book as plain text,
one line per printed thing, calling ``progress`` once per document as the real writers do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dangan.compilation.export.book import Book

# Set by a test to stop the writer after that many documents (a worker dying under it).
FAIL_AFTER: list[int] = []


def write_text(book: Book, out: Any, *, progress: Callable[[int, int], None] | None = None) -> None:
    documents = book.documents()
    lines = [book.title, book.subtitle, *book.preface, *book.editorial_notes]
    for done, document in enumerate(documents, start=1):
        if FAIL_AFTER and done > FAIL_AFTER[0]:
            raise RuntimeError("writer stopped")
        lines += [f"{document.number}. {document.heading}", document.date_line, document.source_line]
        lines += list(document.paragraphs)
        lines += [f"注 {n.paragraph}:{n.offset} {n.text}" for n in document.notes]
        lines += [f"图 {i.path.name} {i.width_px}x{i.height_px} {i.caption}" for i in document.images]
        if progress is not None:
            progress(done, len(documents))
    lines += [f"索引 {e.name} {','.join(map(str, e.documents))}" for e in book.index]
    Path(out).write_text("\n".join(lines), encoding="utf-8")
