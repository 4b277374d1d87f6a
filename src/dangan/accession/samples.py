"""Sample submission packages in dangan's SIP profile, for the tests, the benchmark and demonstrations: small but
valid content files (PDF/A, OFD, JPEG, TIFF, WAV, MP3, MP4, text) and a bag with its catalog sheet."""

from __future__ import annotations

import csv
import io
import os
import random
import struct
import wave
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dangan.accession.bagit import make_bag

CATALOG_COLUMNS = (
    "档号",
    "题名",
    "责任者",
    "日期",
    "页数",
    "密级",
    "保管期限",
    "年度",
    "件号",
    "机构(问题)",
    "电子文件",
)


def _xmp(part: str = "1", conformance: str = "B") -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="{part}" '
        f'pdfaid:conformance="{conformance}"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def pdf_bytes(pages: int = 1, *, pdfa: bool = True, padding: int = 0, text: str = "dangan") -> bytes:
    """A PDF (PDF/A-1b by its XMP claim) with ``pages`` pages and a correct cross-reference table."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET\n".encode() + b"%" + b"x" * padding + b"\n"
    first_page = 4 if pdfa else 3
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(pages)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R" + (b" /Metadata 3 0 R" if pdfa else b"") + b" >>"]
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages)
    if pdfa:
        xmp = _xmp()
        objects.append(b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(xmp) + xmp + b"\nendstream")
    for i in range(pages):
        contents = first_page + 2 * i + 1
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % contents)
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), seed: int = 0, frames: int = 1) -> bytes:
    """A JPEG, TIFF (``frames`` pages), PNG or JPEG 2000 with some noise, so it does not compress to nothing."""
    from PIL import Image

    def one(n: int) -> Image.Image:
        data = random.Random(seed * 1000 + n).randbytes(size[0] * size[1] * 3)
        return Image.frombytes("RGB", size, data)

    buffer = io.BytesIO()
    images = [one(n) for n in range(frames)]
    options: dict[str, object] = {"save_all": True, "append_images": images[1:]} if frames > 1 else {}
    if fmt == "JPEG":
        options["quality"] = 90
    images[0].save(buffer, fmt, **options)
    return buffer.getvalue()


def wav_bytes(seconds: float = 0.05, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(os.urandom(2 * int(seconds * rate)))
    return buffer.getvalue()


def mp3_bytes(frames: int = 12) -> bytes:
    """MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz)."""
    return (b"\xff\xfb\x90\x00" + b"\x00" * 413) * frames


def mp4_bytes(payload: int = 2048) -> bytes:
    def box(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", 8 + len(data)) + kind + data

    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41")
    return ftyp + box(b"moov", box(b"mvhd", b"\x00" * 100)) + box(b"mdat", os.urandom(payload))


def ofd_bytes(pages: int = 1, title: str = "关于开展档案工作检查的通知") -> bytes:
    ns = "http://www.ofdspec.org/2016"
    ofd_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="{ns}" Version="1.0" DocType="OFD">'
        "<ofd:DocBody><ofd:DocInfo><ofd:DocID>6f1c2b8e0000400080000000000000a1</ofd:DocID>"
        f"<ofd:Title>{title}</ofd:Title></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody>"
        "</ofd:OFD>"
    ).encode()
    page_list = "".join(f'<ofd:Page ID="{i + 2}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(pages))
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="{ns}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{pages + 1}</ofd:MaxUnitID></ofd:CommonData><ofd:Pages>{page_list}</ofd:Pages></ofd:Document>"
    ).encode()
    members = {"OFD.xml": ofd_xml, "Doc_0/Document.xml": document}
    for i in range(pages):
        members[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="{ns}"><ofd:Content/></ofd:Page>'
        ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f"


def write_eicar_signature(directory: Path) -> Path:
    """A local ClamAV signature database (one MD5 signature) that matches the EICAR test file, for tests."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "dangan-test.hdb"
    path.write_text(f"{EICAR_MD5}:{len(EICAR)}:Dangan.Test.EICAR\n", encoding="ascii")
    return path


@dataclass
class SampleItem:
    """One row of a sample catalog and its files (data-relative path → bytes)."""

    title: str
    files: dict[str, bytes]
    number: int
    pages: int | None = None
    date: str = "20110305"
    responsible: str = "贵州省扶贫开发办公室"
    classification: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def reference_code(fonds: str, year: int, number: int, retention: str = "Y", org: str = "BGS") -> str:
    return f"{fonds}-WS·{year}-{retention}-{org}-{number:04d}"


def catalog_rows(items: Sequence[SampleItem], fonds: str, year: int = 2011) -> list[list[str]]:
    rows = []
    for item in items:
        values = {
            "档号": reference_code(fonds, year, item.number),
            "题名": item.title,
            "责任者": item.responsible,
            "日期": item.date,
            "页数": "" if item.pages is None else str(item.pages),
            "密级": item.classification,
            "保管期限": "永久",
            "年度": str(year),
            "件号": str(item.number),
            "机构(问题)": "BGS",
            "电子文件": ";".join(item.files),
        }
        values.update(item.extra)
        rows.append([values.get(column, "") for column in CATALOG_COLUMNS])
    return rows


def write_catalog(path: Path, rows: Iterable[Sequence[str]], columns: Sequence[str] = CATALOG_COLUMNS) -> None:
    """The catalog sheet: .xlsx (openpyxl) or .csv (UTF-8 with BOM, as Excel saves it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            writer.writerows(rows)
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("归档文件目录")
    sheet.append(list(columns))
    for row in rows:
        sheet.append(list(row))
    book.save(path)


def default_items(count: int = 3) -> list[SampleItem]:
    """A few items in mixed formats: a PDF/A with an attachment, an OFD, scanned pages (JPEG, TIFF), audio."""
    kinds = [
        lambda n: ({f"content/{n:04d}/正文.pdf": pdf_bytes(2), f"content/{n:04d}/附件.jpg": image_bytes(seed=n)}, 3),
        lambda n: ({f"content/{n:04d}/正文.ofd": ofd_bytes(1)}, 1),
        lambda n: ({f"content/{n:04d}/p1.tif": image_bytes("TIFF", seed=n, frames=2)}, 2),
        lambda n: ({f"content/{n:04d}/录音.wav": wav_bytes(), f"content/{n:04d}/录音.mp3": mp3_bytes()}, None),
    ]
    items = []
    for n in range(1, count + 1):
        files, pages = kinds[(n - 1) % len(kinds)](n)
        items.append(SampleItem(f"关于脱贫攻坚工作的通知（第{n}号）", files, n, pages))
    return items


def make_sample_sip(
    folder: Path,
    items: Sequence[SampleItem] | None = None,
    *,
    fonds: str = "Z109",
    info: dict[str, str] | None = None,
    sheet: str = "目录.xlsx",
    bag: bool = True,
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Write a package in the SIP profile into ``folder`` (which must not exist) and bag it in place (``bag``)."""
    items = list(items) if items is not None else default_items()
    folder.mkdir(parents=True)
    for item in items:
        for rel, data in item.files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for rel, data in (extra_files or {}).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    write_catalog(folder / "metadata" / sheet, catalog_rows(items, fonds))
    if not bag:
        return folder
    labels = {
        "Source-Organization": "贵州省扶贫开发办公室",
        "External-Identifier": "2024-移交-001",
        "Fonds-Code": fonds,
        "Item-Count": str(len(items)),
    }
    labels.update(info or {})
    return make_bag(folder, info={k: v for k, v in labels.items() if v})
