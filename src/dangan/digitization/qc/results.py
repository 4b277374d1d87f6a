"""What quality control is asked to check (the scanning specification) and what it found (a result per check)."""

from __future__ import annotations

from dataclasses import dataclass, field

COLOUR_MODES = ("colour", "grey", "bitonal")
MASTER_FORMATS = ("tiff", "jpeg", "jp2")

# code → the label a person reads, in the order a report lists them.
CHECKS: dict[str, str] = {
    "decodes": "图像可完整解码",
    "file_format": "文件格式",
    "resolution": "分辨率",
    "colour_mode": "色彩模式",
    "skew": "歪斜角度",
    "blank": "空白页",
    "black_border": "黑边",
    "page_count": "页数",
    "names_order": "文件命名与顺序",
    "duplicate": "重复页",
}

COLOUR_MODE_LABELS = {"colour": "彩色", "grey": "灰度", "bitonal": "黑白二值"}
FORMAT_LABELS = {
    "tiff": "TIFF",
    "jpeg": "JPEG",
    "jp2": "JPEG 2000",
    "png": "PNG",
    "gif": "GIF",
    "bmp": "BMP",
    "webp": "WebP",
    "pdf": "PDF",
}


@dataclass(frozen=True)
class ScanSpec:
    """The scanning specification of a batch (DA/T 31-2017) and the limits of the automatic checks.

    ``blank_threshold``: a page whose ink covers less than this share of its area is blank (0.0005 = 0.05 %).
    ``border_threshold``: a dark band along an edge wider than this share of the page's side fails (0.01 = 1 %).
    ``duplicate_distance``: two pages whose perceptual hashes differ in at most this many of 64 bits are duplicates.
    """

    dpi: int = 300
    colour_mode: str = "colour"
    master_format: str = "tiff"
    max_skew_degrees: float = 3.0
    blank_threshold: float = 0.0005
    border_threshold: float = 0.01
    duplicate_distance: int = 8

    def __post_init__(self) -> None:
        if self.colour_mode not in COLOUR_MODES:
            raise ValueError(f"colour_mode must be one of {COLOUR_MODES}, not {self.colour_mode!r}")
        if self.master_format not in MASTER_FORMATS:
            raise ValueError(f"master_format must be one of {MASTER_FORMATS}, not {self.master_format!r}")
        if self.dpi <= 0 or self.max_skew_degrees < 0 or self.duplicate_distance < 0:
            raise ValueError("dpi must be positive; the skew limit and duplicate distance must not be negative")
        if not (0 <= self.blank_threshold < 1 and 0 <= self.border_threshold < 1):
            raise ValueError("blank_threshold and border_threshold are shares between 0 and 1")


@dataclass
class CheckResult:
    """One check on one page (or one unit): the value measured, the limit it was held to, and a Chinese message."""

    code: str
    passed: bool
    measured: str
    limit: str
    message: str

    @property
    def label(self) -> str:
        return CHECKS.get(self.code, self.code)


@dataclass
class PageCheck:
    """Everything quality control learnt about one page image."""

    name: str
    width: int
    height: int
    dpi: float | None
    colour_mode: str  # as measured: "colour" | "grey" | "bitonal" ("" when the image does not decode)
    format: str  # from the file's magic: "tiff" | "jpeg" | "jp2" | "png" … | "unknown"
    phash: int | None  # 64-bit DCT perceptual hash
    skew_degrees: float | None  # signed, counter-clockwise positive; None when the page has no text to measure
    results: list[CheckResult] = field(default_factory=list)
    blank: bool = False

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        return [result for result in self.results if not result.passed]

    def result(self, code: str) -> CheckResult | None:
        return next((result for result in self.results if result.code == code), None)
