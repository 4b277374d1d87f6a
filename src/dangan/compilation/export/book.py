"""A compilation as the writers see it: plain data, built by part volumes (``actions.volumes.assemble_book``) from
the models, already limited to what the exporting person may see, and built by hand in the writers' tests.

Text is plain text in paragraphs (no markup): the writers own typography. An editorial note (注释) is anchored in a
paragraph at a character offset and numbered per document by the writer (①②③… at the end of the document in the
PDF and DOCX, as EPUB footnotes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Note:
    """An editorial note (注释) at character ``offset`` of paragraph ``paragraph`` of its document."""

    paragraph: int
    offset: int
    text: str


@dataclass(frozen=True)
class Image:
    """An image to print with a document: a JPEG or PNG file (a derivative of the preserved master, at print
    resolution), its caption and its source (档号)."""

    path: Path
    caption: str = ""
    width_px: int = 0
    height_px: int = 0


@dataclass(frozen=True)
class Document:
    """One selected document (one unit): its heading as the compilation prints it (often the editor's title, not
    the catalog's), date line, source line (档号 and the holding archives), the transcription in paragraphs, the
    editorial notes and images."""

    number: int  # the document's number in the volume (1, 2, …), printed before its heading
    heading: str
    date_line: str = ""
    source_line: str = ""
    paragraphs: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()
    images: tuple[Image, ...] = ()
    anchor: str = ""  # a stable id for links (the unit's uuid hex)


@dataclass(frozen=True)
class Section:
    """A part of the volume (一、二、…) with its documents; a volume without parts has one untitled section."""

    title: str
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class IndexEntry:
    """An entry of the index of people and places (人名地名索引): the authority's name, its kind (``person``,
    ``place``, …: catalog.choices.AuthorityKind), and the documents (by number) where it occurs."""

    name: str
    kind: str
    documents: tuple[int, ...] = ()
    sort_key: str = ""  # the pinyin the index is ordered by (filled by the builder)


@dataclass(frozen=True)
class Book:
    title: str
    subtitle: str = ""
    editor: str = ""  # 编者 (the institution or the editors' names)
    publisher: str = ""
    year: str = ""
    identifier: str = ""  # a stable id (urn:uuid:… of the compilation) for the EPUB
    language: str = "zh-CN"
    preface: tuple[str, ...] = ()  # 前言, paragraphs
    editorial_notes: tuple[str, ...] = ()  # 编辑说明 (凡例), paragraphs
    sections: tuple[Section, ...] = ()
    index: tuple[IndexEntry, ...] = ()
    cover: Path | None = None
    vertical: bool = False  # 竖排: the PDF writer sets the text top to bottom, right to left, where it can
    extra: dict[str, str] = field(default_factory=dict)

    def documents(self) -> list[Document]:
        return [d for s in self.sections for d in s.documents]
