"""What the three writers share: the note markers (①②…), paragraphs with their markers placed, the index grouped
by kind, the progress callback, and writing to a path (atomically) or to a file object."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dangan.compilation.export import ExportError
from dangan.compilation.export.book import Book, Document, IndexEntry, Note

Progress = Callable[[int, int], None] | None
Out = Path | str | BinaryIO

# The index's groups, in print order, with their headings (catalog.choices.AuthorityKind values).
INDEX_KINDS = (("person", "人名"), ("place", "地名"), ("organization", "机构名"), ("event", "事件"))


def marker(n: int) -> str:
    """The note marker ``n`` (1-based): ①…⑳, ㉑…㉟, ㊱…㊿, then [51]."""
    if 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if 21 <= n <= 35:
        return chr(0x3251 + n - 21)
    if 36 <= n <= 50:
        return chr(0x32B1 + n - 36)
    return f"[{n}]"


@dataclass(frozen=True)
class Piece:
    """A run of a paragraph: plain text, or a note's marker (``note`` is its 1-based number in the document)."""

    text: str
    note: int = 0


def numbered_notes(document: Document) -> list[tuple[int, Note]]:
    """The document's notes numbered in reading order (paragraph, then offset), 1-based."""
    ordered = sorted(document.notes, key=lambda n: (n.paragraph, n.offset))
    return list(enumerate(ordered, start=1))


def pieces(document: Document) -> list[list[Piece]]:
    """Each paragraph of ``document`` cut at its notes' anchors: text pieces and marker pieces. A note anchored past
    its paragraph's end (or in a paragraph that does not exist) is put at the end of the last paragraph, so no
    note is lost."""
    paragraphs = list(document.paragraphs) or [""]
    anchors: dict[int, list[tuple[int, int]]] = {}
    for number, note in numbered_notes(document):
        p = note.paragraph if 0 <= note.paragraph < len(paragraphs) else len(paragraphs) - 1
        offset = min(max(note.offset, 0), len(paragraphs[p]))
        anchors.setdefault(p, []).append((offset, number))
    result: list[list[Piece]] = []
    for p, text in enumerate(paragraphs):
        runs: list[Piece] = []
        start = 0
        for offset, number in sorted(anchors.get(p, [])):
            if offset > start:
                runs.append(Piece(text[start:offset]))
            runs.append(Piece(marker(number), note=number))
            start = offset
        if start < len(text):
            runs.append(Piece(text[start:]))
        result.append(runs)
    return result


def index_groups(book: Book) -> list[tuple[str, list[IndexEntry]]]:
    """The index's entries grouped by kind (people, places, …; other kinds last), each group in the order of its
    pinyin ``sort_key`` (the name where none was given)."""
    groups: list[tuple[str, list[IndexEntry]]] = []
    known = {kind for kind, _label in INDEX_KINDS}
    for kind, label in INDEX_KINDS:
        entries = [e for e in book.index if e.kind == kind]
        if entries:
            groups.append((label, sorted(entries, key=lambda e: (e.sort_key or e.name, e.name))))
    others = [e for e in book.index if e.kind not in known]
    if others:
        groups.append(("其他", sorted(others, key=lambda e: (e.sort_key or e.name, e.name))))
    return groups


def document_numbers(entry: IndexEntry) -> str:
    return "，".join(str(n) for n in sorted(set(entry.documents)))


class Ticker:
    """Calls ``progress(done, total)`` as a writer goes; ``total`` is fixed when the ticker is made."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.total = max(total, 1)
        self.done = 0

    def tick(self, steps: int = 1) -> None:
        self.done = min(self.done + steps, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        self.tick(self.total - self.done)


@contextlib.contextmanager
def destination(out: Out) -> Iterator[BinaryIO]:
    """A binary file to write the export to: ``out`` itself when it is a file object; for a path, a temporary file
    beside it moved into place only when the writer finishes, so a failed export leaves no half-written file."""
    if not isinstance(out, (str, Path)):
        yield out
        return
    path = Path(out)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"无法写入导出文件 {path}：{exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_images(book: Book) -> None:
    """Every image of the book is a readable file, or the export is refused before anything is written."""
    if book.cover is not None and not Path(book.cover).is_file():
        raise ExportError(f"封面图片不存在：{book.cover}")
    for document in book.documents():
        for image in document.images:
            if not Path(image.path).is_file():
                raise ExportError(f"第 {document.number} 件档案的图片不存在：{image.path}")
