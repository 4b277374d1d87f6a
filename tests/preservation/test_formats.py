"""Format identification on real files made here: Pillow images, hand-written PDFs, WAV from the wave module,
OOXML from openpyxl or by hand, OLE2 compound files written to the specification, MP3 frames, an MP4 box tree."""

from __future__ import annotations

import io
import random
import struct
import wave
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from dangan.preservation.formats import (
    FORMATS,
    FormatIdentification,
    FormatIdentifier,
    FormatPolicy,
    identify,
)

# --- builders (also used by the speed measurement) ---------------------------------------------------


def xmp_packet(part: str, conformance: str = "", as_elements: bool = False) -> bytes:
    if as_elements:
        fields = f"<pdfaid:part>{part}</pdfaid:part>" + (
            f"<pdfaid:conformance>{conformance}</pdfaid:conformance>" if conformance else ""
        )
        description = (
            f'<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">{fields}</rdf:Description>'
        )
    else:
        attrs = f'pdfaid:part="{part}"' + (f' pdfaid:conformance="{conformance}"' if conformance else "")
        description = f'<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" {attrs}/>'
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"{description}</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def make_pdf(
    version: str = "1.4",
    xmp: bytes | None = None,
    compress_xmp: bool = False,
    padding: int = 0,
    text: str = "Hello",
) -> bytes:
    """A small PDF with a correct xref table; ``padding`` bytes of page content push the XMP past the head."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET\n".encode() + b"%" + b"x" * padding + b"\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R" + (b" /Metadata 5 0 R" if xmp else b"") + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    if xmp is not None:
        data = zlib.compress(xmp) if compress_xmp else xmp
        flate = b" /Filter /FlateDecode" if compress_xmp else b""
        objects.append(
            b"<< /Type /Metadata /Subtype /XML /Length %d%s >>\nstream\n" % (len(data), flate) + data + b"\nendstream"
        )
    out = bytearray(b"%PDF-" + version.encode() + b"\n%\xe2\xe3\xcf\xd3\n")
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


def image_bytes(
    fmt: str, size: tuple[int, int] = (32, 24), mode: str = "RGB", seed: int = 0, **options: object
) -> bytes:
    rng = random.Random(seed)
    image = Image.new(
        mode, size, color=(rng.randrange(256), rng.randrange(256), rng.randrange(256)) if mode == "RGB" else 128
    )
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def exif_jpeg(version: bytes = b"0230") -> bytes:
    """A JPEG whose first APP segment is Exif (no JFIF), carrying ExifVersion in the Exif IFD."""
    jpeg = image_bytes("JPEG")
    # IFD0 with one entry, the Exif IFD pointer; the Exif IFD with one entry, ExifVersion (UNDEFINED, 4 bytes).
    tiff = b"II*\x00" + struct.pack("<I", 8)
    tiff += struct.pack("<H", 1) + struct.pack("<HHII", 0x8769, 4, 1, 26) + struct.pack("<I", 0)
    tiff += struct.pack("<H", 1) + struct.pack("<HHI", 0x9000, 7, 4) + version + struct.pack("<I", 0)
    app1 = b"\xff\xe1" + struct.pack(">H", len(tiff) + 8) + b"Exif\x00\x00" + tiff
    assert jpeg[2:4] == b"\xff\xe0"
    (app0_length,) = struct.unpack(">H", jpeg[4:6])
    return jpeg[:2] + app1 + jpeg[4 + app0_length :]


def wav_bytes(seconds: float = 0.05, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x01" * int(seconds * rate))
    return buffer.getvalue()


def riff_wave(chunks: list[tuple[bytes, bytes]]) -> bytes:
    body = b"WAVE" + b"".join(
        name + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"") for name, data in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def waveformatex_bytes() -> bytes:
    fmt = struct.pack("<HHIIHHH", 1, 1, 8000, 16000, 2, 16, 0)  # 18 bytes: cbSize = 0
    return riff_wave([(b"fmt ", fmt), (b"data", b"\x00\x00" * 100)])


def bwf_bytes(version: int = 1, tag: int = 1) -> bytes:
    bext = bytearray(602)
    bext[0:10] = "广播稿".encode()[:9].ljust(10, b"\x00")
    struct.pack_into("<H", bext, 346, version)
    fmt = struct.pack("<HHIIHH", tag, 1, 8000, 16000, 2, 16)
    return riff_wave([(b"bext", bytes(bext)), (b"fmt ", fmt), (b"data", b"\x00\x00" * 100)])


def mp3_bytes(frames: int = 12, id3: bool = True) -> bytes:
    """MPEG-1 Layer III frames, 128 kbit/s at 44.1 kHz (417 bytes each), optionally after an ID3v2.3 tag."""
    frame = b"\xff\xfb\x90\x00" + b"\x00" * 413
    tag = b""
    if id3:
        title = "题名".encode("utf-16")
        frame_data = b"TIT2" + struct.pack(">I", len(title) + 1) + b"\x00\x00" + b"\x01" + title
        size = len(frame_data)
        syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
        tag = b"ID3\x03\x00\x00" + syncsafe + frame_data
    return tag + frame * frames


def mp4_bytes(brand: bytes = b"isom") -> bytes:
    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    ftyp = box(b"ftyp", brand + struct.pack(">I", 0x200) + b"isomiso2avc1mp41")
    mvhd = box(b"mvhd", b"\x00" * 100)
    return ftyp + box(b"moov", mvhd) + box(b"free", b"") + box(b"mdat", bytes(range(256)) * 8)


def zip_bytes(members: dict[str, bytes], stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo(stored_first), members[stored_first], compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            if name != stored_first:
                archive.writestr(name, data)
    return buffer.getvalue()


def ofd_bytes(version: str = "1.0") -> bytes:
    ofd_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="{version}" DocType="OFD">'
        "<ofd:DocBody><ofd:DocInfo><ofd:DocID>6f1c2b8e0000400080000000000000a1</ofd:DocID>"
        "<ofd:Title>关于开展档案工作检查的通知</ofd:Title></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    ).encode()
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016">'
        b"<ofd:CommonData><ofd:MaxUnitID>1</ofd:MaxUnitID></ofd:CommonData></ofd:Document>"
    )
    return zip_bytes({"OFD.xml": ofd_xml, "Doc_0/Document.xml": document})


_CT = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/{part}" ContentType="{ct}"/></Types>'


def docx_bytes(macro: bool = False) -> bytes:
    ct = (
        "application/vnd.ms-word.document.macroEnabled.main+xml"
        if macro
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    )
    document = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>\xe6\xa1\xa3\xe6\xa1\x88</w:t></w:r></w:p></w:body></w:document>'
    return zip_bytes(
        {"[Content_Types].xml": _CT.format(part="word/document.xml", ct=ct).encode(), "word/document.xml": document}
    )


def pptx_bytes() -> bytes:
    ct = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
    return zip_bytes(
        {
            "[Content_Types].xml": _CT.format(part="ppt/presentation.xml", ct=ct).encode(),
            "ppt/presentation.xml": b"<p:presentation/>",
        }
    )


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["档号", "题名"])
    workbook.active.append(["Z109-WS·2011-Y-BGS-0001", "关于扶贫工作的通知"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def odt_bytes(version: str | None = "1.2") -> bytes:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        + (f' manifest:version="{version}"' if version else "")
        + "/>"
    ).encode()
    return zip_bytes(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "META-INF/manifest.xml": manifest,
            "content.xml": b"<x/>",
        },
        stored_first="mimetype",
    )


def ole2_bytes(stream_name: str, stream: bytes) -> bytes:
    """A compound file (MS-CFB version 3, 512-byte sectors) with one stream of at least 4096 bytes."""
    sector = 512
    stream = stream.ljust(max(4096, -(-len(stream) // sector) * sector), b"\x00")
    count = len(stream) // sector
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    fat = [fat_sector, end] + [3 + i for i in range(count - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, end, 0, end)
    struct.pack_into("<I", header, 0x48, 0)  # number of DIFAT sectors
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))

    def entry(name: str, kind: int, start: int, size: int, child: int = free) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\x00").encode("utf-16-le")
        raw[0 : len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 0x40, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 0x44, free, free, child)
        struct.pack_into("<II", raw, 0x74, start, size)
        return bytes(raw)

    directory = entry("Root Entry", 5, end, 0, child=1) + entry(stream_name, 2, 2, len(stream)) + b"\x00" * 256
    return bytes(header) + struct.pack(f"<{sector // 4}I", *fat) + directory + stream


def word_fib(n_fib: int = 0x00C1, encrypted: bool = False) -> bytes:
    fib = bytearray(4096)
    struct.pack_into("<HH", fib, 0, 0xA5EC, n_fib)
    struct.pack_into("<H", fib, 0x0A, 0x0100 if encrypted else 0)
    return bytes(fib)


TEXT_ZH = "关于开展档案数字化工作的通知\n各单位：\n现将有关事项通知如下。\n"

# name → (file name, builder, expected PUID)
SAMPLES: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "pdf-1.4": ("a.pdf", lambda: make_pdf("1.4"), "fmt/18"),
    "pdf-1.0": ("a.pdf", lambda: make_pdf("1.0"), "fmt/14"),
    "pdf-1.7": ("a.pdf", lambda: make_pdf("1.7"), "fmt/276"),
    "pdf-2.0": ("a.pdf", lambda: make_pdf("2.0"), "fmt/1129"),
    "pdfa-1b": ("a.pdf", lambda: make_pdf("1.4", xmp_packet("1", "B")), "fmt/354"),
    "pdfa-1a": ("a.pdf", lambda: make_pdf("1.4", xmp_packet("1", "A", as_elements=True)), "fmt/95"),
    "pdfa-2u": ("a.pdf", lambda: make_pdf("1.7", xmp_packet("2", "U", as_elements=True)), "fmt/478"),
    "pdfa-3a-compressed": ("a.pdf", lambda: make_pdf("1.7", xmp_packet("3", "A"), compress_xmp=True), "fmt/479"),
    "pdfa-2b-deep": ("a.pdf", lambda: make_pdf("1.7", xmp_packet("2", "B"), padding=100_000), "fmt/477"),
    "pdfa-4": ("a.pdf", lambda: make_pdf("2.0", xmp_packet("4")), "dangan-fmt/pdfa-4"),
    "ofd": ("a.ofd", ofd_bytes, "dangan-fmt/ofd"),
    "tiff": ("a.tif", lambda: image_bytes("TIFF"), "fmt/353"),
    "tiff-lzw-bigendian": ("a.tiff", lambda: image_bytes("TIFF", compression="tiff_lzw"), "fmt/353"),
    "jpeg-jfif": ("a.jpg", lambda: image_bytes("JPEG"), "fmt/43"),
    "jpeg-exif-2.3": ("a.jpg", lambda: exif_jpeg(b"0230"), "fmt/1507"),
    "jpeg-exif-2.2": ("a.jpeg", lambda: exif_jpeg(b"0220"), "x-fmt/391"),
    "jp2": ("a.jp2", lambda: image_bytes("JPEG2000"), "x-fmt/392"),
    "png": ("a.png", lambda: image_bytes("PNG"), "fmt/11"),
    "gif": ("a.gif", lambda: image_bytes("GIF"), "fmt/3"),
    "gif-89a": ("a.gif", lambda: image_bytes("GIF", comment=b"dangan"), "fmt/4"),
    "bmp": ("a.bmp", lambda: image_bytes("BMP"), "fmt/116"),
    "wav": ("a.wav", wav_bytes, "fmt/141"),
    "wav-waveformatex": ("a.wav", waveformatex_bytes, "fmt/142"),
    "bwf-1": ("a.wav", bwf_bytes, "fmt/704"),
    "bwf-2-adpcm": ("a.wav", lambda: bwf_bytes(2, tag=2), "fmt/527"),
    "mp3": ("a.mp3", mp3_bytes, "fmt/134"),
    "mp3-no-tag": ("a.mp3", lambda: mp3_bytes(id3=False), "fmt/134"),
    "mp4": ("a.mp4", mp4_bytes, "fmt/199"),
    "mov": ("a.mov", lambda: mp4_bytes(b"qt  "), "x-fmt/384"),
    "text-utf8": ("a.txt", lambda: TEXT_ZH.encode(), "x-fmt/111"),
    "text-gb18030": ("a.txt", lambda: TEXT_ZH.encode("gb18030"), "x-fmt/111"),
    "text-utf16": ("a.txt", lambda: TEXT_ZH.encode("utf-16"), "x-fmt/111"),
    "xml": (
        "a.xml",
        lambda: '<?xml version="1.0" encoding="UTF-8"?>\n<档案><题名>通知</题名></档案>\n'.encode(),
        "fmt/101",
    ),
    "xml-no-declaration": (
        "a.xml",
        lambda: b'<ead xmlns="http://ead3.archivists.org/schema/"><control/></ead>',
        "fmt/101",
    ),
    "html5": (
        "a.html",
        lambda: "<!DOCTYPE html>\n<html lang='zh'><head><title>档案</title></head></html>".encode(),
        "fmt/471",
    ),
    "html4": (
        "a.htm",
        lambda: (
            b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n<html></html>'
        ),
        "fmt/100",
    ),
    "csv": ("a.csv", lambda: '档号,题名,年度\nZ109-0001,通知,2011\nZ109-0002,"报告,附件",2012\n'.encode(), "x-fmt/18"),
    "csv-no-extension": ("a", lambda: b"a,b,c\n1,2,3\n4,5,6\n", "x-fmt/18"),
    "json": ("a.json", lambda: '{"题名": "通知", "年度": 2011}'.encode(), "fmt/817"),
    "doc": ("a.doc", lambda: ole2_bytes("WordDocument", word_fib()), "fmt/40"),
    "doc-95": ("a.doc", lambda: ole2_bytes("WordDocument", word_fib(0x0065)), "fmt/39"),
    "doc-encrypted": ("a.doc", lambda: ole2_bytes("WordDocument", word_fib(encrypted=True)), "fmt/754"),
    "xls": ("a.xls", lambda: ole2_bytes("Workbook", b"\x09\x08" + b"\x00" * 100), "fmt/61"),
    "ppt": ("a.ppt", lambda: ole2_bytes("PowerPoint Document", b"\x00" * 100), "fmt/126"),
    "ole2-other": ("a.msg", lambda: ole2_bytes("__substg1.0_0037001F", b"\x00" * 10), "fmt/111"),
    "docx": ("a.docx", docx_bytes, "fmt/412"),
    "docm": ("a.docm", lambda: docx_bytes(macro=True), "fmt/523"),
    "xlsx": ("a.xlsx", xlsx_bytes, "fmt/214"),
    "pptx": ("a.pptx", pptx_bytes, "fmt/215"),
    "odt-1.2": ("a.odt", odt_bytes, "fmt/291"),
    "zip": ("a.zip", lambda: zip_bytes({"说明.txt": TEXT_ZH.encode(), "b/c.bin": b"\x00\x01"}), "x-fmt/263"),
}


# Identified, and worth a warning all the same.
WARNED = {"doc-encrypted"}


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- the formats the archives receives -------------------------------------------------------------


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_identifies_by_content(tmp_path: Path, sample: str) -> None:
    name, build, expected = SAMPLES[sample]
    result = identify(write(tmp_path, name, build()))
    assert result.puid == expected, result
    assert bool(result.warning) == (sample in WARNED), result
    info = FORMATS[expected]
    assert result.mime_type == info.mime_type or result.mime_type.startswith(("audio/", "video/"))
    assert result.format_name == info.name
    assert result.basis


def test_versions_and_names(tmp_path: Path) -> None:
    pdfa = identify(write(tmp_path, "a.pdf", make_pdf("1.4", xmp_packet("1", "B"))))
    assert (pdfa.format_name, pdfa.format_version, pdfa.mime_type) == (
        "Acrobat PDF/A - Portable Document Format",
        "1b",
        "application/pdf",
    )
    assert "PDF/A-1b" in pdfa.basis
    pdf = identify(write(tmp_path, "b.pdf", make_pdf("1.6")))
    assert (pdf.puid, pdf.format_version) == ("fmt/20", "1.6")
    jfif = identify(write(tmp_path, "a.jpg", image_bytes("JPEG")))
    assert (jfif.format_name, jfif.format_version) == ("JPEG File Interchange Format", "1.01")
    exif = identify(write(tmp_path, "b.jpg", exif_jpeg(b"0230")))
    assert exif.format_version == "2.3.x"
    gif = identify(write(tmp_path, "a.gif", image_bytes("GIF", comment=b"dangan")))
    assert gif.format_version == "89a"


def test_ofd_is_a_project_local_id_with_the_version_from_ofd_xml(tmp_path: Path) -> None:
    result = identify(write(tmp_path, "公文.ofd", ofd_bytes("1.1")))
    assert result.puid == "dangan-fmt/ofd"
    assert result.mime_type == "application/ofd"
    assert result.format_version == "1.1"
    assert "OFD.xml" in result.basis


def test_text_encodings(tmp_path: Path) -> None:
    assert identify(write(tmp_path, "a.txt", TEXT_ZH.encode())).encoding == "UTF-8"
    assert identify(write(tmp_path, "b.txt", TEXT_ZH.encode("gb18030"))).encoding == "GB18030"
    assert identify(write(tmp_path, "c.txt", b"plain ascii\n")).encoding == "ASCII"
    assert identify(write(tmp_path, "d.txt", TEXT_ZH.encode("utf-16"))).encoding.startswith("UTF-16")
    # A long GB18030 file: the sample ends inside a two-byte character.
    long_text = ("档案" * 5000).encode("gb18030")[:-1]
    result = identify(write(tmp_path, "e.txt", b"a" + long_text))
    assert (result.puid, result.encoding) == ("x-fmt/111", "GB18030")


def test_png_versions_follow_their_chunks(tmp_path: Path) -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt("Title", "档案")
    assert identify(write(tmp_path, "a.png", image_bytes("PNG", pnginfo=info))).puid == "fmt/13"
    srgb = image_bytes("PNG")
    # Insert an sRGB chunk after IHDR (8-byte signature + 25-byte IHDR chunk).
    chunk = struct.pack(">I", 1) + b"sRGB\x00" + struct.pack(">I", zlib.crc32(b"sRGB\x00"))
    assert identify(write(tmp_path, "b.png", srgb[:33] + chunk + srgb[33:])).puid == "fmt/12"


# --- edge cases ----------------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    result = identify(write(tmp_path, "empty.pdf", b""))
    assert result.puid == ""
    assert "空" in result.warning
    assert not result.identified


def test_unknown_binary(tmp_path: Path) -> None:
    data = random.Random(4).randbytes(20_000)
    result = identify(write(tmp_path, "blob.bin", data))
    assert (result.puid, result.mime_type) == ("", "application/octet-stream")
    assert result.warning
    assert result.name_zh == "未知格式"


def test_content_decides_not_the_extension(tmp_path: Path) -> None:
    result = identify(write(tmp_path, "报告.pdf", image_bytes("JPEG")))
    assert result.puid == "fmt/43"
    assert result.mime_type == "image/jpeg"
    assert ".pdf" in result.warning and "JPEG" in result.warning


def test_a_plain_text_named_xml_is_text_with_a_warning(tmp_path: Path) -> None:
    result = identify(write(tmp_path, "data.xml", TEXT_ZH.encode()))
    assert result.puid == "x-fmt/111"
    assert ".xml" in result.warning


def test_unknown_extension_raises_no_warning(tmp_path: Path) -> None:
    assert identify(write(tmp_path, "scan.dat", image_bytes("TIFF"))).warning == ""
    assert identify(write(tmp_path, "noextension", make_pdf())).warning == ""


def test_truncated_files_are_identified_with_a_warning(tmp_path: Path) -> None:
    pdf = make_pdf("1.5", padding=20_000)
    result = identify(write(tmp_path, "cut.pdf", pdf[: len(pdf) // 2]))
    assert result.puid == "fmt/19"
    assert "%%EOF" in result.warning
    jpeg = image_bytes("JPEG", size=(400, 300), seed=3)
    assert "EOI" in identify(write(tmp_path, "cut.jpg", jpeg[: len(jpeg) // 2])).warning
    docx = docx_bytes()
    cut = identify(write(tmp_path, "cut.docx", docx[: len(docx) - 30]))
    assert cut.puid == "x-fmt/263"
    assert "ZIP" in cut.warning
    wav = wav_bytes(seconds=0.5)
    assert "不完整" in identify(write(tmp_path, "cut.wav", wav[:2000])).warning
    png = image_bytes("PNG", size=(200, 200), seed=5)
    assert "IEND" in identify(write(tmp_path, "cut.png", png[:-20])).warning


def test_a_tiny_file_with_a_partial_signature(tmp_path: Path) -> None:
    assert identify(write(tmp_path, "a.pdf", b"%PDF")).puid == "x-fmt/111"  # four ASCII characters are text
    assert identify(write(tmp_path, "b.jpg", b"\xff\xd8\xff")).puid == "fmt/41"
    assert identify(write(tmp_path, "c.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")).warning


def test_odf_without_a_manifest_version(tmp_path: Path) -> None:
    result = identify(write(tmp_path, "a.odt", odt_bytes(version=None)))
    assert result.puid == ""
    assert result.format_name == "OpenDocument Text"
    assert result.warning


def test_identify_file_on_an_open_stream(tmp_path: Path) -> None:
    identifier = FormatIdentifier()
    data = make_pdf("1.4", xmp_packet("2", "B"))
    with open(write(tmp_path, "a.pdf", data), "rb") as f:
        assert identifier.identify_file(f, len(data), "a.pdf").puid == "fmt/477"
    # An in-memory stream works too (the PDF/A search then covers the head and tail only).
    assert identifier.identify_file(io.BytesIO(data), len(data), "a.pdf").puid == "fmt/477"


def test_result_is_a_plain_value(tmp_path: Path) -> None:
    result = identify(write(tmp_path, "a.tif", image_bytes("TIFF")))
    assert result == FormatIdentification(
        puid="fmt/353",
        mime_type="image/tiff",
        format_name="Tagged Image File Format",
        format_version="",
        basis=result.basis,
    )
    assert result.name_zh == "TIFF 图像"


# --- the preservation policy ---------------------------------------------------------------------


def test_default_policy_accepts_the_preservation_formats() -> None:
    policy = FormatPolicy.default()
    for puid in (
        "fmt/354",
        "fmt/481",
        "dangan-fmt/ofd",
        "fmt/353",
        "fmt/43",
        "x-fmt/392",
        "fmt/141",
        "fmt/134",
        "fmt/199",
        "x-fmt/111",
        "fmt/101",
    ):
        assert policy.accepts(puid), puid
    for puid in ("fmt/18", "fmt/276", "fmt/412", "fmt/40", "x-fmt/263", "fmt/11", ""):
        assert not policy.accepts(puid), puid
    decision = policy.check("fmt/276")
    assert not decision.accepted
    assert "PDF 1.7" in decision.message and "转换" in decision.message
    assert policy.check("dangan-fmt/ofd").accepted
    assert not policy.check("").accepted
    assert {info.puid for info in policy.formats()} == set(policy.accepted)


def test_policy_is_configurable() -> None:
    policy = FormatPolicy.from_ids(["fmt/354", " dangan-fmt/ofd ", "fmt/9999"])
    assert policy.accepts("fmt/9999") and not policy.accepts("fmt/353")
    assert FormatPolicy.from_groups(["tiff", "pdfa"]).accepts("fmt/353")
    with pytest.raises(ValueError, match="PUID"):
        FormatPolicy.from_ids(["pdf"])
    with pytest.raises(ValueError, match="格式组"):
        FormatPolicy.from_groups(["docx"])


def test_policy_check_of_the_identified_sample_files(tmp_path: Path) -> None:
    policy = FormatPolicy.default()
    identifier = FormatIdentifier()
    accepted = {
        sample
        for sample, (name, build, _) in SAMPLES.items()
        if policy.check(identifier.identify(write(tmp_path, f"{sample}-{name}", build())).puid).accepted
    }
    assert {"pdfa-1b", "ofd", "tiff", "jpeg-jfif", "jp2", "wav", "mp3", "mp4", "text-utf8", "xml"} <= accepted
    assert not accepted & {"pdf-1.4", "docx", "doc", "zip", "png", "bmp"}


def test_damaged_files_never_break_identification(tmp_path: Path) -> None:
    """Every sample cut short at many lengths, and with bytes overwritten: a result, never an exception."""
    identifier = FormatIdentifier()
    rng = random.Random(7)
    path = tmp_path / "damaged"
    for name, build, _ in SAMPLES.values():
        data = build()
        cuts = sorted({1, 2, 3, 4, 7, 8, 12, 16, 30, 33, 64, 200, 511, 512, 513, len(data) // 2, len(data) - 1})
        variants = [data[:n] for n in cuts if 0 < n < len(data)]
        for _ in range(8):
            mutated = bytearray(data)
            for _ in range(max(1, len(data) // 200)):
                mutated[rng.randrange(4, len(data))] = rng.randrange(256) if len(data) > 4 else 0
            variants.append(bytes(mutated))
        for variant in variants:
            path.write_bytes(variant)
            result = identifier.identify(path.with_name(path.name))
            assert isinstance(result, FormatIdentification), (name, len(variant))
