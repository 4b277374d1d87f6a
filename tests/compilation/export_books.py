"""Books built by hand for the writers' tests: every element (preface, editorial notes, several sections, notes,
images, the index, Latin and digits in Chinese text, long paragraphs) and text full of punctuation placed so that
line ends fall on it."""

from __future__ import annotations

from pathlib import Path

from PIL import Image as PILImage

from dangan.compilation.export.book import Book, Document, Image, IndexEntry, Note, Section

TITLE = "红军长征转战贵州重要档案选编"
SECTIONS = ("一、渡过乌江", "二、遵义会议", "三、四渡赤水")
TEXT = (
    "中国工农红军第一方面军于一九三五年一月攻占遵义，召开了政治局扩大会议（遵义会议）。会议讨论了“左”倾错误，"
    "确立了毛泽东同志在红军和党中央的领导地位：这是“生死攸关的转折点”！电报第3号称：Red Army 于1935年1月15日"
    "到达，【急】「转各军团」《通知》……各部须于十时前到达——不得延误？"
)
CLOSING = "，。、；：？！）》」』】〕…—"
OPENING = "（《「『【〔"


def punctuated(k: int) -> str:
    """A paragraph whose closing and opening marks move one place along the line from one ``k`` to the next."""
    head = "档" * k
    return (
        head
        + "案，。」）》"
        + "馆" * (k % 7)
        + "藏（《「档案」》）、"
        + "文" * ((k * 3) % 11)
        + "……——好！"
        + "字" * ((k * 5) % 13)
        + "「『【〔甲〕】』」；"
        + TEXT
    )


def image_file(path: Path, size: tuple[int, int] = (800, 1100)) -> Path:
    PILImage.new("RGB", size, (200, 190, 170)).save(path, "JPEG", quality=80)
    return path


def full_book(tmp: Path, *, vertical: bool = False, documents: int = 6, punctuation: bool = True) -> Book:
    portrait = image_file(tmp / "portrait.jpg")
    landscape = image_file(tmp / "landscape.jpg", (1400, 900))
    docs = []
    for n in range(1, documents + 1):
        paragraphs = [TEXT * (1 + n % 3), TEXT]
        if punctuation:
            paragraphs += [punctuated(k) for k in range(n * 7, n * 7 + 7)]
        docs.append(
            Document(
                number=n,
                heading=f"中央军委关于红军渡过乌江的命令（第{n}号）",
                date_line="一九三五年一月二日",
                source_line=f"贵州省档案馆藏，档号：J001-001-{n:04d}",
                paragraphs=tuple(paragraphs),
                notes=(Note(0, 10, "遵义会议：1935年1月15日至17日召开。"), Note(1, 5, f"乌江，第{n}号注。")),
                images=(Image(portrait, "图一　电报原件"), Image(landscape, "图二　行军路线图")) if n % 2 else (),
                anchor=f"{n:032x}",
            )
        )
    per = max(1, documents // len(SECTIONS))
    sections = tuple(
        Section(title, tuple(docs[i * per : (i + 1) * per] if i < len(SECTIONS) - 1 else docs[i * per :]))
        for i, title in enumerate(SECTIONS)
    )
    return Book(
        title=TITLE,
        subtitle="第一册",
        editor="贵州省档案馆　编",
        publisher="示例出版社",
        year="2026",
        identifier="urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        preface=(TEXT, TEXT * 2),
        editorial_notes=("一、本书收录档案若干件，按时间顺序编排。", "二、" + TEXT),
        sections=sections,
        index=(
            IndexEntry("遵义", "place", (2, 3, 5), "zunyi"),
            IndexEntry("毛泽东", "person", (1, 3), "maozedong"),
            IndexEntry("乌江", "place", (1,), "wujiang"),
            IndexEntry("朱德", "person", (4,), "zhude"),
        ),
        vertical=vertical,
    )
