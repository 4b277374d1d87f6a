"""Images, audio and video: each check reads the signature and the few header fields that tell the version."""

from __future__ import annotations

import struct

from .sample import Hit, Sample

__all__ = ["MEDIA_CHECKS"]

_TRUNCATED = "文件末尾没有{}，文件可能不完整"

# --- JPEG ---------------------------------------------------------------------------------------

_JFIF = {(1, 0): "fmt/42", (1, 1): "fmt/43", (1, 2): "fmt/44"}
_EXIF = {"0200": "x-fmt/398", "0210": "x-fmt/390", "0220": "x-fmt/391", "0221": "fmt/645"}


def _exif_version(segment: bytes) -> str:
    """ExifVersion (tag 0x9000 in the Exif IFD) from an APP1 payload after 'Exif\\0\\0'; empty if absent."""
    tiff = segment
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return ""
    e = "<" if tiff[:2] == b"II" else ">"

    def entries(offset: int) -> dict[int, tuple[int, int, bytes]]:
        if offset + 2 > len(tiff):
            return {}
        (count,) = struct.unpack_from(e + "H", tiff, offset)
        found = {}
        for i in range(min(count, 512)):
            at = offset + 2 + 12 * i
            if at + 12 > len(tiff):
                break
            tag, kind, n = struct.unpack_from(e + "HHI", tiff, at)
            found[tag] = (kind, n, tiff[at + 8 : at + 12])
        return found

    (ifd0,) = struct.unpack_from(e + "I", tiff, 4)
    pointer = entries(ifd0).get(0x8769)
    if pointer is None:
        return ""
    (exif_ifd,) = struct.unpack_from(e + "I", pointer[2])
    version = entries(exif_ifd).get(0x9000)
    if version is None:
        return ""
    try:
        return version[2].decode("ascii")
    except UnicodeDecodeError:
        return ""


def check_jpeg(sample: Sample) -> Hit | None:
    head = sample.head
    if not head.startswith(b"\xff\xd8\xff"):
        return None
    warnings = []
    if b"\xff\xd9" not in sample.tail[-1024:]:
        warnings.append(_TRUNCATED.format(" JPEG 结束标记（EOI）"))
    offset = 2
    while offset + 4 <= len(head) and head[offset] == 0xFF:
        marker = head[offset + 1]
        (length,) = struct.unpack_from(">H", head, offset + 2)
        payload = head[offset + 4 : offset + 2 + length]
        if marker == 0xE0 and payload.startswith(b"JFIF\x00") and len(payload) >= 7:
            version = (payload[5], payload[6])
            text = f"{version[0]}.{version[1]:02d}"
            puid = _JFIF.get(version)
            if puid:
                return Hit(puid, f"JPEG 文件头，APP0 JFIF {text}", warnings)
            return Hit("fmt/41", f"JPEG 文件头，APP0 JFIF {text}（PRONOM 无此版本）", warnings)
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            code = _exif_version(payload[6:])
            if code in _EXIF:
                return Hit(_EXIF[code], f"JPEG 文件头，APP1 Exif（ExifVersion {code}）", warnings)
            if code.startswith("023"):
                return Hit("fmt/1507", f"JPEG 文件头，APP1 Exif（ExifVersion {code}）", warnings)
            return Hit(
                "fmt/41", f"JPEG 文件头，APP1 Exif（ExifVersion {code or '缺失'}，PRONOM 无对应 PUID）", warnings
            )
        if marker in (0xDA, 0xD9) or (not 0xE0 <= marker <= 0xEF and marker not in (0xDB, 0xC4, 0xDD, 0xFE)):
            break
        offset += 2 + length
    return Hit("fmt/41", "JPEG 文件头（SOI），没有 JFIF 或 Exif 段", warnings)


# --- PNG, GIF, BMP, TIFF, JPEG 2000, WebP --------------------------------------------------------

_PNG_1_1 = (b"sRGB", b"iCCP", b"sPLT")


def check_png(sample: Sample) -> Hit | None:
    if not sample.head.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    warnings = []
    if not sample.tail.endswith(b"IEND\xaeB`\x82"):
        warnings.append(_TRUNCATED.format(" IEND 块"))
    chunks = set()
    offset = 8
    head = sample.head
    while offset + 8 <= len(head):
        length, kind = struct.unpack_from(">I4s", head, offset)
        chunks.add(kind)
        if kind == b"IDAT":
            break
        offset += 12 + length
    # Chunks after the image data (text, time) are in the tail.
    for kind in (b"iTXt", b"sRGB", b"iCCP", b"sPLT", b"acTL"):
        if kind in sample.tail:
            chunks.add(kind)
    if b"acTL" in chunks:
        return Hit("fmt/935", "PNG 签名 + acTL 块（APNG 动画）", warnings)
    if b"iTXt" in chunks:
        return Hit("fmt/13", "PNG 签名 + iTXt 块（PNG 1.2 起）", warnings)
    if chunks.intersection(_PNG_1_1):
        return Hit("fmt/12", "PNG 签名 + sRGB/iCCP/sPLT 块（PNG 1.1 起）", warnings)
    return Hit("fmt/11", "PNG 签名，仅 PNG 1.0 的块", warnings)


def check_gif(sample: Sample) -> Hit | None:
    head = sample.head
    if head[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    warnings = [] if sample.tail.endswith(b";") else [_TRUNCATED.format(" GIF 结束符")]
    return Hit("fmt/3" if head[3:6] == b"87a" else "fmt/4", f"文件头 {head[:6].decode()}", warnings)


_BMP_HEADERS = {
    12: "fmt/115",
    40: "fmt/116",
    52: "fmt/117",
    56: "fmt/117",
    64: "x-fmt/270",
    108: "fmt/118",
    124: "fmt/119",
}


def check_bmp(sample: Sample) -> Hit | None:
    head = sample.head
    if not head.startswith(b"BM") or len(head) < 34:
        return None
    declared, _, pixels, header_size = struct.unpack_from("<IIII", head, 2)
    puid = _BMP_HEADERS.get(header_size)
    if puid is None or pixels > declared + 1024 * 1024:
        return None
    if header_size == 40 and struct.unpack_from("<I", head, 30)[0] == 3:  # BI_BITFIELDS: the NT variant
        puid = "fmt/117"
    warnings = []
    if declared and declared > sample.size:
        warnings.append(f"文件头声明 {declared} 字节，实际只有 {sample.size} 字节，文件可能不完整")
    return Hit(puid, f"文件头 BM，信息头 {header_size} 字节", warnings)


def check_tiff(sample: Sample) -> Hit | None:
    head = sample.head
    if head[:4] in (b"II*\x00", b"MM\x00*") and len(head) >= 8:
        e = "<" if head[:2] == b"II" else ">"
        (ifd,) = struct.unpack_from(e + "I", head, 4)
        warnings = [] if 8 <= ifd < sample.size else ["第一个 IFD 的位置超出文件，文件可能不完整"]
        order = "小端（II）" if e == "<" else "大端（MM）"
        return Hit("fmt/353", f"TIFF 文件头，{order}", warnings)
    if head[:4] in (b"II+\x00", b"MM\x00+"):
        return Hit("", "BigTIFF 文件头", ["PRONOM 没有 BigTIFF 的 PUID"], name="BigTIFF", mime_type="image/tiff")
    return None


_JP2_BRANDS = {b"jp2 ": "x-fmt/392", b"jpx ": "fmt/151", b"jpm ": "fmt/463", b"mjp2": "fmt/337"}


def check_jpeg2000(sample: Sample) -> Hit | None:
    head = sample.head
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n"):
        if head[16:20] != b"ftyp":
            return Hit("x-fmt/392", "JPEG 2000 签名框（无 ftyp 框）", ["JPEG 2000 文件缺少文件类型框"])
        brand = head[20:24]
        puid = _JP2_BRANDS.get(brand)
        if puid:
            return Hit(puid, f"JPEG 2000 签名框，品牌 {brand.decode('latin-1').strip()}")
        return Hit("x-fmt/392", f"JPEG 2000 签名框，未知品牌 {brand!r}", ["未知的 JPEG 2000 品牌"])
    if head.startswith(b"\xff\x4f\xff\x51"):
        return Hit(
            "",
            "JPEG 2000 码流（SOC + SIZ）",
            ["裸 JPEG 2000 码流在 PRONOM 中没有 PUID"],
            name="JPEG 2000 codestream",
            mime_type="image/x-jp2-codestream",
        )
    return None


# Broadcast WAVE by bext version and the fmt chunk's encoding (PCM, MPEG, WAVEFORMATEXTENSIBLE); "" generic.
_BWF_ENCODINGS = {0x0001: "pcm", 0x0050: "mpeg", 0x0055: "mpeg", 0xFFFE: "extensible"}
_BWF = {
    (0, ""): "fmt/1",
    (1, ""): "fmt/2",
    (2, ""): "fmt/527",
    (0, "pcm"): "fmt/703",
    (1, "pcm"): "fmt/704",
    (2, "pcm"): "fmt/705",
    (0, "mpeg"): "fmt/706",
    (1, "mpeg"): "fmt/707",
    (2, "mpeg"): "fmt/708",
    (0, "extensible"): "fmt/709",
    (1, "extensible"): "fmt/710",
    (2, "extensible"): "fmt/711",
}


def check_riff(sample: Sample) -> Hit | None:
    head = sample.head
    if len(head) < 12 or head[:4] != b"RIFF":
        return None
    (riff_size,) = struct.unpack_from("<I", head, 4)
    kind = head[8:12]
    warnings = []
    if riff_size + 8 > sample.size:
        warnings.append(f"RIFF 头声明 {riff_size + 8} 字节，实际只有 {sample.size} 字节，文件可能不完整")
    if kind == b"WEBP":
        sub = head[12:16]
        puid = {b"VP8 ": "fmt/566", b"VP8L": "fmt/567", b"VP8X": "fmt/568"}.get(sub)
        return Hit(puid, f"RIFF WEBP，{sub.decode('latin-1')} 块", warnings) if puid else None
    if kind == b"AVI ":
        return Hit("fmt/5", "RIFF AVI", warnings)
    if kind != b"WAVE":
        return None
    chunks: dict[bytes, tuple[int, int]] = {}
    offset = 12
    for _ in range(64):
        header = sample.read_at(offset, 8)
        if len(header) < 8:
            break
        chunk, length = struct.unpack("<4sI", header)
        chunks.setdefault(chunk, (offset + 8, length))
        if chunk == b"data":
            break
        offset += 8 + length + (length & 1)
    tag, length = 0, 0
    if b"fmt " in chunks:
        at, length = chunks[b"fmt "]
        (tag,) = struct.unpack("<H", sample.read_at(at, 2).ljust(2, b"\x00"))
    if b"bext" in chunks:
        at, bext_length = chunks[b"bext"]
        data = sample.read_at(at + 346, 2)
        version = struct.unpack("<H", data)[0] if len(data) == 2 and bext_length >= 348 else 0
        encoding = _BWF_ENCODINGS.get(tag, "")
        puid = _BWF.get((version, encoding)) or _BWF.get((version, ""))
        if puid:
            label = f"，编码标记 0x{tag:04X}" if encoding else ""
            return Hit(puid, f"RIFF WAVE + bext 块（BWF 版本 {version}{label}）", warnings)
    if b"fmt " not in chunks:
        return Hit("fmt/6", "RIFF WAVE（没有 fmt 块）", [*warnings, "WAV 文件缺少 fmt 块"])
    if length == 16:
        puid = "fmt/141"
    elif length >= 40 and tag == 0xFFFE:
        puid = "fmt/143"
    else:
        puid = "fmt/142"
    return Hit(puid, f"RIFF WAVE，fmt 块 {length} 字节，编码标记 0x{tag:04X}", warnings)


# --- MP3, MP4 / QuickTime / 3GPP, compressed archives -----------------------------------------------

_MP3_BITRATES = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_MPEG_NAMES = {3: "MPEG-1", 2: "MPEG-2", 0: "MPEG-2.5"}


def _mp3_frame(header: bytes) -> tuple[int, int] | None:
    """(frame length, MPEG version bits) of a Layer III frame header, or None."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 3
    layer = (header[1] >> 1) & 3
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = _MP3_BITRATES[3 if version == 3 else 2][bitrate_index] * 1000
    rate = _MP3_RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    factor = 144 if version == 3 else 72
    return factor * bitrate // rate + padding, version


def check_mp3(sample: Sample) -> Hit | None:
    head = sample.head
    start = 0
    basis = ""
    if head.startswith(b"ID3") and len(head) >= 10:
        size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
        start = 10 + size + (10 if head[5] & 0x10 else 0)
        basis = f"ID3v2.{head[3]} 标签，"
    frame = _mp3_frame(sample.read_at(start, 4))
    if frame is None:
        if basis:
            return Hit("fmt/134", basis + "标签后没有 MPEG 帧", ["ID3 标签后没有找到 MP3 帧"])
        return None
    length, version = frame
    following = _mp3_frame(sample.read_at(start + length, 4))
    if following is None and start + length < sample.size and not basis:
        return None  # one plausible header alone is too weak a signature
    warnings = [] if following is not None or start + length >= sample.size else ["第二个 MP3 帧不完整"]
    return Hit("fmt/134", f"{basis}{_MPEG_NAMES[version]} Layer III 帧头", warnings)


_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"pnot")
_ISO_AUDIO = (b"M4A ", b"M4B ", b"F4A ")


def check_iso_media(sample: Sample) -> Hit | None:
    head = sample.head
    if len(head) < 12:
        return None
    box = head[4:8]
    if box != b"ftyp":
        if box in _QUICKTIME_ATOMS:
            return Hit("x-fmt/384", f"QuickTime 原子 {box.decode()}（无 ftyp）")
        return None
    brand = head[8:12]
    (size,) = struct.unpack_from(">I", head, 0)
    compatible = {head[i : i + 4] for i in range(16, min(size, len(head)), 4)}
    label = brand.decode("latin-1").strip()
    if brand == b"qt  ":
        return Hit("x-fmt/384", "ftyp 品牌 qt")
    if brand.startswith((b"3gp", b"3g2")):
        return Hit("fmt/357", f"ftyp 品牌 {label}")
    if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif"):
        return Hit(
            "",
            f"ftyp 品牌 {label}",
            ["HEIF/AVIF 在此 PRONOM 版本中没有 PUID"],
            name=f"HEIF ({label})",
            mime_type="image/heif",
        )
    mime = "audio/mp4" if brand in _ISO_AUDIO else "video/mp4"
    known = brand.startswith((b"iso", b"mp4", b"mp7", b"avc", b"M4", b"dash", b"f4v", b"MSNV")) or compatible & {
        b"isom",
        b"mp41",
        b"mp42",
    }
    warnings = [] if known else [f"未知的 ISO 媒体品牌 {label}"]
    return Hit("fmt/199", f"ftyp 品牌 {label}", warnings, mime_type=mime)


def check_compressed(sample: Sample) -> Hit | None:
    head = sample.head
    if head.startswith(b"\x1f\x8b\x08"):
        return Hit("x-fmt/266", "GZIP 文件头")
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return Hit("fmt/484", "7z 文件头")
    return None


MEDIA_CHECKS = (
    check_jpeg,
    check_png,
    check_gif,
    check_tiff,
    check_jpeg2000,
    check_riff,
    check_iso_media,
    check_bmp,
    check_compressed,
    check_mp3,
)
