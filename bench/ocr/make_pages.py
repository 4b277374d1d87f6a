"""Hard OCR pages like a provincial archives' red archives of the 1930s–1950s, with their true text.

    python bench/ocr/make_pages.py [--out bench/ocr/pages] [--only NAME ...] [--truth-only] [--processes 2]

Every page is drawn with Pillow from a text in ``texts.py`` (or a generated survey form) and degraded with numpy:
vertical traditional columns read right to left, 楷书 (AR PL UKai), Ming/Song (AR PL UMing, Noto Serif CJK),
mimeograph (油印: blotchy uneven ink, broken strokes, bleed, fading, show-through), a red seal with a star stamped
over the issuer and date, skew of 1–4° with water stains and foxing on toned paper, 150-dpi scans, ruled survey forms,
red-headed documents (红头文件) and 1950s horizontal simplified text with Arabic figures.

Deterministic: each page's randomness is seeded by its name, so the same code, fonts, numpy and Pillow make the same
pixels. The true text (``truth/<name>.txt``) has one text line per line in reading order: vertical columns right
to left, a form row by row (its cells separated by a space). A seal's own characters are not part of the text.
``pages.json`` lists each page's category, layout, script, dpi and font (the bench picks tesseract's model from it).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))

from texts import SIMPLIFIED, TRADITIONAL, Document

OCR_DIR = Path(__file__).resolve().parent
PAGES_DIR = OCR_DIR / "pages"
TRUTH_DIR = OCR_DIR / "truth"
INDEX_FILE = OCR_DIR / "pages.json"

UKAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"
UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
NOTO_SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
NOTO_SERIF_BOLD = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
NOTO_SANS_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"

#: font key → (file, face index in the collection)
FONTS: dict[str, tuple[str, int]] = {
    "kai_cn": (UKAI, 0),
    "kai_tw": (UKAI, 2),
    "ming_cn": (UMING, 0),
    "ming_tw": (UMING, 2),
    "serif_sc": (NOTO_SERIF, 2),
    "serif_tc": (NOTO_SERIF, 3),
    "serif_sc_bold": (NOTO_SERIF_BOLD, 2),
    "serif_tc_bold": (NOTO_SERIF_BOLD, 3),
    "sans_sc_bold": (NOTO_SANS_BOLD, 2),
}

#: paper sizes in millimetres (width, height)
PAPER_MM = {"16k": (184, 260), "a4": (210, 297), "b5": (176, 250), "8k": (260, 368), "a7": (74, 105)}
RENDER_DPI = 300

INK_BLACK = (28, 24, 22)
INK_MIMEO = (40, 34, 48)
INK_VIOLET = (70, 40, 110)
INK_BLUE = (30, 40, 95)
RED = (196, 32, 38)
VERTICAL_CORNER_PUNCTUATION = "。，、．,."
VERTICAL_CENTRED_PUNCTUATION = "：；！？"
SEAL_RED = (205, 45, 50)


@dataclass(frozen=True)
class PageSpec:
    """How one bench page looks. ``text`` is a key of texts.TRADITIONAL / SIMPLIFIED, or of FORMS."""

    name: str
    category: str
    text: str
    layout: str  # "vertical" | "horizontal" | "form"
    font: str
    char_mm: float  # body character size
    paper: str = "16k"
    dpi: int = 300
    ink: tuple[int, int, int] = INK_BLACK
    jitter: float = 0.0  # per-character irregularity (hand-cut stencil, handwriting, worn type): 0–1
    mimeo: float = 0.0  # mimeograph degradation: 0–1
    fade: float = 0.0  # ink lost to age: 0–1
    seal: bool = False
    skew: float = 0.0  # degrees, positive counter-clockwise
    stains: int = 0
    foxing: int = 0
    show_through: bool = False
    column_rules: str | None = None  # "red" | "black": ruled columns (vertical) or lines (horizontal)
    red_header: str | None = None  # the issuer's name printed in red above a red rule
    doc_number: str | None = None
    paper_tone: tuple[int, int, int] = (236, 226, 200)
    features: tuple[str, ...] = field(default=())

    @property
    def script(self) -> str:
        if self.text in TRADITIONAL or FORMS.get(self.text, {}).get("script") == "traditional":
            return "traditional"
        return "simplified"

    @property
    def vertical(self) -> bool:
        return self.layout == "vertical"

    @property
    def seed(self) -> int:
        return zlib.crc32(self.name.encode())


# --------------------------------------------------------------------------------------------------------------------
# Survey forms (tables with ruled cells); the rows are drawn from the page's seed.

SURNAMES = "王李張劉陳楊黃趙吳周徐孫胡朱高林何郭馬羅梁宋鄭謝韓唐馮于董蕭程曹袁鄧許傅沈曾彭呂蘇盧蔣蔡賈丁魏薛葉閻余潘杜戴夏鍾汪田任姜范方石姚譚廖鄒熊金陸郝孔白崔康毛邱秦江史顧侯邵孟龍萬段雷錢湯尹黎易常武喬賀賴龔文"
GIVEN = "福祿壽喜德才貴發明華國秀英蘭桂芳春生長根金銀水火山林松柏有成家興旺富正義忠信仁禮智勇德寶玉珍鳳花梅菊蓮荷月雲海"


def _simplify(text: str) -> str:
    table = str.maketrans(
        "張劉陳楊黃趙吳孫馬羅鄭謝韓馮董蕭鄧許呂蘇盧蔣賈葉閻潘鍾譚鄒陸顧龍萬錢湯賀賴龔祿壽貴發華國長銀興義禮寶珍鳳蓮雲",
        "张刘陈杨黄赵吴孙马罗郑谢韩冯董萧邓许吕苏卢蒋贾叶阎潘钟谭邹陆顾龙万钱汤贺赖龚禄寿贵发华国长银兴义礼宝珍凤莲云",
    )
    return text.translate(table)


def _person(rng: random.Random, simplified: bool) -> str:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.8 else "")
    return _simplify(name) if simplified else name


CN_DIGITS = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    """Chinese numeral as written in forms of the period: 三十二, 十五, 一百零五."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def _form_land(rng: random.Random) -> tuple[list[str], list[list[str]]]:
    header = ["户主姓名", "家庭成份", "人口", "原有土地(亩)", "分进土地(亩)", "现有土地(亩)", "备注"]
    rows = []
    for _ in range(22):
        klass = rng.choices(["贫农", "雇农", "中农", "富农", "地主"], [40, 15, 30, 8, 7])[0]
        people = rng.randint(1, 8)
        owned = (
            {"贫农": 0.6, "雇农": 0.0, "中农": 2.2, "富农": 5.0, "地主": 12.0}[klass] * people * rng.uniform(0.5, 1.4)
        )
        share = 1.9 * people
        gained = max(0.0, share - owned) if klass in ("贫农", "雇农") else 0.0
        now = owned + gained if klass not in ("地主",) else share
        note = rng.choice(["", "", "", "军属", "烈属", "缺耕牛", "外出"]) if klass != "地主" else "已征收"
        rows.append(
            [
                _person(rng, True),
                klass,
                str(people),
                f"{owned:.1f}",
                f"{gained:.1f}" if gained else "",
                f"{now:.1f}",
                note,
            ]
        )
    return header, rows


def _form_households(rng: random.Random) -> tuple[list[str], list[list[str]]]:
    header = ["姓名", "性別", "年齡", "籍貫", "職業", "與戶主關係"]
    rows = []
    for _ in range(8):
        head = _person(rng, False)
        surname = head[0]
        rows.append(
            [head, "男", _cn_number(rng.randint(28, 62)), rng.choice(["本縣", "本村", "河北", "山西"]), "農", "戶主"]
        )
        rows.append(
            [
                rng.choice(SURNAMES) + "氏",
                "女",
                _cn_number(rng.randint(24, 58)),
                "本縣",
                rng.choice(["農", "紡織"]),
                "妻",
            ]
        )
        if rng.random() < 0.7:
            rows.append(
                [
                    surname + rng.choice(GIVEN) + rng.choice(GIVEN),
                    "男",
                    _cn_number(rng.randint(3, 19)),
                    "本村",
                    "",
                    "子",
                ]
            )
    return header, rows[:18]


def _form_epidemic(rng: random.Random) -> tuple[list[str], list[list[str]]]:
    header = ["姓名", "性别", "年龄", "住址", "发病日期", "病名", "处理情况"]
    rows = []
    for _ in range(20):
        rows.append(
            [
                _person(rng, True),
                rng.choice(["男", "女"]),
                str(rng.randint(2, 70)),
                rng.choice(["东湖村", "西塘村", "南岸村", "北山村", "河口村"]) + f"{rng.randint(1, 9)}组",
                f"{rng.randint(1, 6)}月{rng.randint(1, 28)}日",
                rng.choice(["血吸虫病", "疟疾", "麻疹", "痢疾", "伤寒"]),
                rng.choice(["已治愈", "治疗中", "送县医院", "隔离治疗", "服药预防"]),
            ]
        )
    return header, rows


def _form_relief(rng: random.Random) -> tuple[list[str], list[list[str]]]:
    header = ["编号", "户主", "人口", "劳力", "缺粮(斤)", "救济款(元)", "救济粮(斤)", "备注"]
    rows = []
    for i in range(24):
        people = rng.randint(1, 7)
        labour = rng.randint(0, min(2, people))
        short = rng.randint(4, 30) * 10
        rows.append(
            [
                str(i + 1),
                _person(rng, True),
                str(people),
                str(labour),
                str(short),
                f"{rng.randint(3, 25)}.{rng.choice(['00', '50'])}",
                str(short // 2),
                rng.choice(["", "", "烈属", "军属", "五保户", "病残", "孤老"]),
            ]
        )
    return header, rows


FORMS: dict[str, dict] = {
    "land": {
        "script": "simplified",
        "title": "土地改革土地房产登记表",
        "meta": "第二区 石桥乡 第三村 一九五一年二月",
        "footer": ["填表人 张明德", "审核 乡农会"],
        "rows": _form_land,
    },
    "households": {
        "script": "traditional",
        "title": "戶口調查表",
        "meta": "晉察冀邊區 平山縣 第四區 東莊村 民國三十五年三月",
        "footer": ["調查員 王守仁", "村長 李振華"],
        "rows": _form_households,
    },
    "epidemic": {
        "script": "simplified",
        "title": "疫病调查登记表",
        "meta": "湖滨区卫生所 1956年 第二季度",
        "footer": ["填报人 陈淑华", "1956年7月2日"],
        "rows": _form_epidemic,
    },
    "relief": {
        "script": "simplified",
        "title": "贫困户救济登记册",
        "meta": "城关区 红旗乡 1956年冬季",
        "footer": ["经手人 刘桂兰", "乡长 孙有福"],
        "rows": _form_relief,
    },
}


# --------------------------------------------------------------------------------------------------------------------
# The pages.

PAGES: tuple[PageSpec, ...] = (
    # 繁体竖排, right to left
    PageSpec(
        "vertical-01", "vertical_traditional", "t01", "vertical", "ming_tw", 7.0, jitter=0.25, column_rules="black"
    ),
    PageSpec("vertical-02", "vertical_traditional", "t02", "vertical", "serif_tc", 6.0, paper="a4"),
    PageSpec("vertical-03", "vertical_traditional", "t09", "vertical", "ming_tw", 8.5, jitter=0.3, fade=0.15),
    PageSpec("vertical-04", "vertical_traditional", "t12", "vertical", "serif_tc", 5.5, column_rules="red"),
    # 楷书 (hand-written or hand-cut)
    PageSpec("kaishu-01", "kaishu", "t16", "vertical", "kai_tw", 7.5, jitter=0.8, column_rules="red", ink=INK_BLUE),
    PageSpec("kaishu-02", "kaishu", "t14", "vertical", "kai_tw", 7.0, jitter=0.6),
    PageSpec("kaishu-03", "kaishu", "s12", "horizontal", "kai_cn", 7.0, jitter=0.7, column_rules="red", paper="b5"),
    PageSpec("kaishu-04", "kaishu", "t05", "horizontal", "kai_tw", 6.0, jitter=0.5),
    # Ming / Song type
    PageSpec("ming-01", "ming_song", "t04", "horizontal", "ming_tw", 5.5, jitter=0.2),
    PageSpec("ming-02", "ming_song", "s05", "horizontal", "serif_sc", 5.0, paper="a4"),
    PageSpec("ming-03", "ming_song", "t13", "vertical", "ming_tw", 6.0, jitter=0.2, fade=0.2),
    # 油印 mimeograph
    PageSpec("mimeo-01", "mimeograph", "t03", "vertical", "kai_tw", 7.0, jitter=0.5, mimeo=0.6, ink=INK_MIMEO),
    PageSpec("mimeo-02", "mimeograph", "s13", "horizontal", "kai_cn", 5.5, jitter=0.5, mimeo=0.7, ink=INK_VIOLET),
    PageSpec("mimeo-03", "mimeograph", "t10", "vertical", "ming_tw", 7.5, mimeo=0.8, fade=0.3, ink=INK_MIMEO),
    PageSpec(
        "mimeo-04",
        "mimeograph",
        "t11",
        "horizontal",
        "kai_tw",
        6.0,
        jitter=0.4,
        mimeo=0.5,
        show_through=True,
        ink=INK_MIMEO,
    ),
    # a red seal over the text
    PageSpec("seal-01", "seal", "t06", "vertical", "ming_tw", 7.0, seal=True, jitter=0.2),
    PageSpec("seal-02", "seal", "s04", "horizontal", "serif_sc", 5.5, seal=True, paper="a4"),
    PageSpec("seal-03", "seal", "t08", "vertical", "kai_tw", 8.0, seal=True, jitter=0.5),
    # skew with stains on toned paper
    PageSpec("skew-01", "skew_stains", "t07", "vertical", "ming_tw", 6.5, skew=2.5, stains=3, foxing=40),
    PageSpec("skew-02", "skew_stains", "s07", "horizontal", "serif_sc", 5.5, skew=-1.5, stains=2, paper="a4"),
    PageSpec(
        "skew-03",
        "skew_stains",
        "t15",
        "vertical",
        "kai_tw",
        7.5,
        skew=-3.5,
        stains=4,
        foxing=80,
        jitter=0.4,
        paper_tone=(226, 210, 176),
    ),
    # 150 dpi scans
    PageSpec("lowres-01", "lowres_150dpi", "s06", "horizontal", "serif_sc", 4.5, dpi=150, paper="a4"),
    PageSpec("lowres-02", "lowres_150dpi", "s14", "horizontal", "ming_cn", 5.0, dpi=150, jitter=0.2),
    PageSpec("lowres-03", "lowres_150dpi", "t17", "vertical", "ming_tw", 6.0, dpi=150, jitter=0.2, fade=0.1),
    # survey forms with ruled cells
    PageSpec("form-01", "form", "land", "form", "ming_cn", 4.2, paper="8k"),
    PageSpec("form-02", "form", "households", "form", "kai_tw", 4.8, paper="a4", jitter=0.5, ink=INK_BLUE),
    PageSpec("form-03", "form", "epidemic", "form", "serif_sc", 4.0, paper="a4", stains=1),
    PageSpec("form-04", "form", "relief", "form", "kai_cn", 4.2, paper="8k", jitter=0.5, seal=True),
    # 红头文件
    PageSpec(
        "redhead-01",
        "red_header",
        "s08",
        "horizontal",
        "serif_sc",
        5.0,
        red_header="某某县人民政府文件",
        doc_number="县府农字〔1955〕第17号",
        paper="a4",
        seal=True,
    ),
    PageSpec(
        "redhead-02",
        "red_header",
        "s09",
        "horizontal",
        "ming_cn",
        5.0,
        red_header="某某县卫生科文件",
        doc_number="卫字第3号",
        paper="a4",
        fade=0.1,
    ),
    PageSpec(
        "redhead-03",
        "red_header",
        "s10",
        "horizontal",
        "serif_sc",
        5.0,
        red_header="某某专员公署",
        doc_number="专民字〔56〕第208号",
        paper="a4",
        seal=True,
        skew=1.2,
    ),
    # horizontal simplified, 1950s, with Arabic figures
    PageSpec("horizontal-01", "horizontal_simplified", "s01", "horizontal", "serif_sc", 5.0, paper="a4"),
    PageSpec("horizontal-02", "horizontal_simplified", "s03", "horizontal", "ming_cn", 5.5, jitter=0.15, fade=0.15),
    PageSpec("horizontal-03", "horizontal_simplified", "s11", "horizontal", "serif_sc", 4.8, paper="a4", stains=1),
    PageSpec("horizontal-04", "horizontal_simplified", "s02", "horizontal", "ming_cn", 5.5, mimeo=0.3, jitter=0.2),
)


# --------------------------------------------------------------------------------------------------------------------
# Layout: where each character goes (no pixels yet), and the true text.


@dataclass
class Glyph:
    char: str
    x: float  # centre, pixels at RENDER_DPI
    y: float
    size: float  # em size in pixels
    font: str
    red: bool = False
    vertical: bool = False  # in a vertical column: punctuation sits in the cell's upper right


@dataclass
class Layout:
    width: int
    height: int
    glyphs: list[Glyph]
    lines: list[str]  # the true text, reading order
    rules: list[tuple[float, float, float, float, float, bool]]  # x0, y0, x1, y1, width, red
    seal_at: tuple[float, float] | None = None
    seal_text: str = ""


def mm(value: float) -> float:
    return value / 25.4 * RENDER_DPI


@cache
def font(key: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = FONTS[key]
    return ImageFont.truetype(path, size, index=index)


def is_wide(char: str) -> bool:
    return ord(char) >= 0x2E80 or char in "　"


def advance(char: str, key: str, size: float) -> float:
    """Horizontal advance: a full cell for CJK characters and full-width punctuation, the font's width otherwise."""
    if is_wide(char):
        return size
    return font(key, round(size)).getlength(char)


def document(spec: PageSpec) -> Document:
    return TRADITIONAL.get(spec.text) or SIMPLIFIED[spec.text]


def layout_page(spec: PageSpec) -> Layout:
    if spec.layout == "vertical":
        return _layout_vertical(spec)
    if spec.layout == "form":
        return _layout_form(spec)
    return _layout_horizontal(spec)


def _paper_px(spec: PageSpec) -> tuple[int, int]:
    w, h = PAPER_MM[spec.paper]
    return round(mm(w)), round(mm(h))


def _layout_vertical(spec: PageSpec) -> Layout:
    rng = random.Random(spec.seed)
    width, height = _paper_px(spec)
    title, paragraphs, closing = document(spec)
    size = mm(spec.char_mm)
    margin_x, margin_top, margin_bottom = mm(22), mm(24), mm(22)
    while True:
        cell_y = size * 1.08
        pitch = size * (1.75 if spec.column_rules else 1.6)
        per_column = int((height - margin_top - margin_bottom) // cell_y)
        columns: list[tuple[str, int, str]] = [(title, 3, "title")]  # text, indent in cells, role
        for paragraph in paragraphs:
            first = True
            rest = paragraph
            while rest:
                indent = 2 if first else 0
                take = per_column - indent
                # never start a column with a closing punctuation mark
                while take < len(rest) and rest[take] in "，。、：；！？" and take > 1:
                    take -= 1
                columns.append((rest[:take], indent, "body"))
                rest = rest[take:]
                first = False
        columns.extend((line, 0, "closing") for line in closing)
        needed = pitch * (len(columns) + 2) + size * 0.6
        if needed <= width - 2 * margin_x:
            break
        size *= 0.95
    glyphs: list[Glyph] = []
    rules = []
    lines = []
    x = width - margin_x - pitch * 0.5
    seal_at = None
    text_bottom = margin_top + per_column * cell_y
    if spec.column_rules:
        red = spec.column_rules == "red"
        top, bottom = margin_top - size * 0.5, text_bottom + size * 0.3
        right = width - margin_x
        n = int((width - 2 * margin_x) // pitch)
        for i in range(n + 1):
            xr = right - i * pitch
            rules.append((xr, top, xr, bottom, 3.0 if red else 2.0, red))
        rules.append((right - n * pitch, top, right, top, 5.0, red))
        rules.append((right - n * pitch, bottom, right, bottom, 5.0, red))
    for i, (text, indent, role) in enumerate(columns):
        if role == "title":
            csize = size * (1.15 if spec.column_rules else 1.25)
            y = margin_top + cell_y * indent
            step = csize * 1.15
            xc = x if spec.column_rules else x - (csize - size) * 0.3
        elif role == "closing":
            csize = size
            step = cell_y
            # issuer and date stand low in their columns (the date lowest), set off from the body
            y = text_bottom - step * (len(text) + (1 if i == len(columns) - 1 else 3))
            y = max(y, margin_top)
            xc = x if spec.column_rules else x - pitch * 0.5
        else:
            csize, step, xc = size, cell_y, x
            y = margin_top + cell_y * indent
        for char in text:
            if char != " ":
                glyph = Glyph(char, xc, y + step / 2, csize, spec.font, vertical=True)
                glyphs.append(_jittered(glyph, spec.jitter, rng))
            y += step
        lines.append(text)
        if role == "closing" and seal_at is None:
            seal_at = (xc - pitch * 0.3, y - step * 2.5)
        x -= pitch if role != "title" or spec.column_rules else pitch * 1.3
    return Layout(width, height, glyphs, lines, rules, seal_at, closing[0] if closing else "")


def _place_line(
    spec: PageSpec, text: str, x: float, y: float, size: float, key: str, rng: random.Random, red: bool = False
) -> list[Glyph]:
    glyphs = []
    for char in text:
        w = advance(char, key, size) if char != " " else size * 0.5
        if char != " ":
            glyphs.append(_jittered(Glyph(char, x + w / 2, y, size, key, red), spec.jitter, rng))
        x += w + (size * 0.04 if is_wide(char) else 0)
    return glyphs


def _line_width(text: str, key: str, size: float) -> float:
    return sum((advance(c, key, size) + (size * 0.04 if is_wide(c) else 0)) if c != " " else size * 0.5 for c in text)


def _wrap(text: str, key: str, size: float, width: float, indent: float) -> list[str]:
    lines, current, used = [], "", indent
    for char in text:
        w = advance(char, key, size) + (size * 0.04 if is_wide(char) else 0)
        if used + w > width and current and char not in "，。、：；！？%）":
            lines.append(current)
            current, used = "", 0.0
        current += char
        used += w
    if current:
        lines.append(current)
    return lines


def _bold(key: str) -> str:
    return {"serif_sc": "serif_sc_bold", "serif_tc": "serif_tc_bold"}.get(key, key)


def _layout_horizontal(spec: PageSpec) -> Layout:
    rng = random.Random(spec.seed)
    width, height = _paper_px(spec)
    title, paragraphs, closing = document(spec)
    size = mm(spec.char_mm)
    margin_x, margin_top, margin_bottom = mm(24), mm(26), mm(24)
    glyphs: list[Glyph] = []
    rules = []
    lines: list[str] = []
    while True:
        glyphs, rules, lines = [], [], []
        y = margin_top
        leading = size * (1.9 if spec.column_rules else 1.75)
        if spec.red_header:
            hsize = mm(13)
            hkey = "sans_sc_bold" if spec.font != "ming_cn" else "serif_sc_bold"
            header_w = _line_width(spec.red_header, hkey, hsize)
            if header_w > width - 2 * margin_x:
                hsize *= (width - 2 * margin_x) / header_w
                header_w = _line_width(spec.red_header, hkey, hsize)
            y += hsize * 0.6
            glyphs += _place_line(spec, spec.red_header, (width - header_w) / 2, y, hsize, hkey, rng, red=True)
            lines.append(spec.red_header)
            y += hsize * 1.2
            if spec.doc_number:
                nw = _line_width(spec.doc_number, spec.font, size)
                glyphs += _place_line(spec, spec.doc_number, (width - nw) / 2, y, size, spec.font, rng)
                lines.append(spec.doc_number)
                y += size * 1.4
            rules.append((margin_x, y, width - margin_x, y, mm(0.9), True))
            y += size * 2.2
        tsize = size * 1.35
        tkey = _bold(spec.font)
        for tline in _wrap(title, tkey, tsize, width - 2 * margin_x - size * 4, 0):
            tw = _line_width(tline, tkey, tsize)
            glyphs += _place_line(spec, tline, (width - tw) / 2, y, tsize, tkey, rng)
            lines.append(tline)
            y += tsize * 1.6
        y += size * 0.6
        text_w = width - 2 * margin_x
        for paragraph in paragraphs:
            indent = 0.0 if paragraph.endswith("：") and len(paragraph) < 16 else size * 2
            for j, line in enumerate(_wrap(paragraph, spec.font, size, text_w, indent)):
                x0 = margin_x + (indent if j == 0 else 0)
                glyphs += _place_line(spec, line, x0, y, size, spec.font, rng)
                lines.append(line)
                y += leading
        y += leading * 0.8
        seal_at = None
        for line in closing:
            lw = _line_width(line, spec.font, size)
            x0 = width - margin_x - size * 2 - lw
            glyphs += _place_line(spec, line, x0, y, size, spec.font, rng)
            lines.append(line)
            if seal_at is None or line[-1] == "日":
                seal_at = (x0 + lw * 0.55, y)
            y += leading
        if y <= height - margin_bottom:
            break
        size *= 0.95
    if spec.column_rules:
        red = spec.column_rules == "red"
        yr = margin_top + size * 0.7
        while yr < height - margin_bottom:
            rules.append((margin_x - size * 0.3, yr, width - margin_x + size * 0.3, yr, 2.5, red))
            yr += size * 1.9
    seal_text = closing[-2] if len(closing) >= 2 else (spec.red_header or "").removesuffix("文件")
    return Layout(width, height, glyphs, lines, rules, seal_at, seal_text)


def _layout_form(spec: PageSpec) -> Layout:
    rng = random.Random(spec.seed)
    form = FORMS[spec.text]
    header, rows = form["rows"](rng)
    width, height = _paper_px(spec)
    size = mm(spec.char_mm)
    margin_x, margin_top = mm(18), mm(22)
    glyphs: list[Glyph] = []
    lines: list[str] = []
    rules: list[tuple[float, float, float, float, float, bool]] = []
    tsize = size * 1.8
    tkey = _bold(spec.font)
    tw = _line_width(form["title"], tkey, tsize)
    y = margin_top + tsize / 2
    glyphs += _place_line(spec, form["title"], (width - tw) / 2, y, tsize, tkey, rng)
    lines.append(form["title"])
    y += tsize * 1.3
    glyphs += _place_line(spec, form["meta"], margin_x, y, size, spec.font, rng)
    lines.append(form["meta"])
    y += size * 1.3
    # column widths in proportion to the longest entry
    needs = [
        max(_line_width(h, spec.font, size), *(_line_width(r[i], spec.font, size) for r in rows)) + size * 1.2
        for i, h in enumerate(header)
    ]
    scale = (width - 2 * margin_x) / sum(needs)
    col_w = [n * scale for n in needs]
    row_h = size * 2.1
    table_top = y
    table_rows = [header, *rows]
    for r, row in enumerate(table_rows):
        x = margin_x
        yc = table_top + r * row_h + row_h / 2
        for i, cell in enumerate(row):
            cw = _line_width(cell, spec.font, size)
            glyphs += _place_line(spec, cell, x + (col_w[i] - cw) / 2, yc, size, spec.font, rng)
            x += col_w[i]
        lines.append(" ".join(c for c in row if c))
    table_bottom = table_top + len(table_rows) * row_h
    x = margin_x
    for i in range(len(header) + 1):
        outer = i in (0, len(header))
        rules.append((x, table_top, x, table_bottom, 5.0 if outer else 2.5, False))
        if i < len(header):
            x += col_w[i]
    for r in range(len(table_rows) + 1):
        outer = r in (0, len(table_rows))
        yr = table_top + r * row_h
        rules.append((margin_x, yr, width - margin_x, yr, 5.0 if outer or r == 1 else 2.5, False))
    y = table_bottom + size * 2
    footer = "　　".join(form["footer"])
    fw = _line_width(footer, spec.font, size)
    glyphs += _place_line(spec, footer, width - margin_x - fw, y, size, spec.font, rng)
    lines.append(" ".join(form["footer"]))
    seal_at = (width - margin_x - fw * 0.3, y - size)
    seal_text = form["meta"].split()[1] + ("人民政府" if form["script"] == "simplified" else "公所")
    return Layout(width, height, glyphs, lines, rules, seal_at if spec.seal else None, seal_text)


def _jittered(glyph: Glyph, jitter: float, rng: random.Random) -> Glyph:
    if not jitter:
        return glyph
    s = glyph.size
    glyph.x += rng.gauss(0, 0.035 * s * jitter)
    glyph.y += rng.gauss(0, 0.035 * s * jitter)
    glyph.size = s * (1 + rng.gauss(0, 0.04 * jitter))
    return glyph


def truth_text(spec: PageSpec) -> str:
    return "\n".join(layout_page(spec).lines) + "\n"


# --------------------------------------------------------------------------------------------------------------------
# Rendering and degradation.


def _noise_field(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> np.ndarray:
    """Smooth noise in [0, 1] with features about ``cell`` pixels across."""
    h, w = shape
    small = rng.random((max(2, int(h / cell) + 2), max(2, int(w / cell) + 2))).astype(np.float32)
    img = Image.fromarray(small, mode="F").resize((w, h), Image.Resampling.BICUBIC)
    return np.clip(np.asarray(img, dtype=np.float32), 0, 1)


def _blur(mask: np.ndarray, radius: float) -> np.ndarray:
    img = Image.fromarray(np.clip(mask * 255, 0, 255).astype(np.uint8), mode="L")
    return np.asarray(img.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32) / 255


def _draw_glyphs(layout: Layout, rng: random.Random, jitter: float, vertical: bool) -> tuple[np.ndarray, np.ndarray]:
    black = Image.new("L", (layout.width, layout.height), 0)
    red = Image.new("L", (layout.width, layout.height), 0)
    for g in layout.glyphs:
        target = red if g.red else black
        f = font(g.font, max(8, round(g.size)))
        pad = int(g.size * 0.4)
        tile = Image.new("L", (int(g.size) + 2 * pad, int(g.size) + 2 * pad), 0)
        ImageDraw.Draw(tile).text((tile.width / 2, tile.height / 2), g.char, fill=255, font=f, anchor="mm")
        if jitter:
            tile = tile.rotate(rng.gauss(0, 2.2 * jitter), resample=Image.Resampling.BICUBIC)
        cx, cy = g.x, g.y
        if g.vertical and g.char in VERTICAL_CORNER_PUNCTUATION:
            # 。，、 of a vertical column stand in the upper right of their cell, whatever the font's horizontal
            # placement; the tile is cut to the mark's ink
            box = tile.getbbox()
            if box:
                tile = tile.crop(box)
                cx, cy = g.x + g.size * 0.25, g.y - g.size * 0.25
        elif g.vertical and g.char in VERTICAL_CENTRED_PUNCTUATION:
            box = tile.getbbox()
            if box:
                tile = tile.crop(box)
        target.paste(255, (round(cx - tile.width / 2), round(cy - tile.height / 2)), tile)
    draw_black, draw_red = ImageDraw.Draw(black), ImageDraw.Draw(red)
    for x0, y0, x1, y1, w, is_red in layout.rules:
        (draw_red if is_red else draw_black).line((x0, y0, x1, y1), fill=230 if is_red else 255, width=max(1, round(w)))
    return np.asarray(black, dtype=np.float32) / 255, np.asarray(red, dtype=np.float32) / 255


def _seal(size: int, text: str, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """A round red seal: a double ring, a five-pointed star and the issuer's name along the upper arc."""
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    c, r = size / 2, size / 2 - 6
    draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=max(4, size // 34))
    inner = r * 0.9
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=255, width=max(2, size // 110))
    star = []
    for i in range(10):
        radius = r * 0.28 if i % 2 == 0 else r * 0.11
        angle = -math.pi / 2 + i * math.pi / 5
        star.append((c + radius * math.cos(angle), c + radius * math.sin(angle)))
    draw.polygon(star, fill=255)
    chars = [ch for ch in text if ch != " "][:14]
    span = math.radians(min(250, 24 * len(chars)))
    glyph_size = int(r * 0.3)
    f = font("sans_sc_bold", glyph_size)
    for i, ch in enumerate(chars):
        angle = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(chars)
        tile = Image.new("L", (glyph_size * 2, glyph_size * 2), 0)
        ImageDraw.Draw(tile).text((glyph_size, glyph_size), ch, fill=255, font=f, anchor="mm")
        tile = tile.rotate(-math.degrees(angle + math.pi / 2), resample=Image.Resampling.BICUBIC)
        rr = r * 0.68
        img.paste(
            255, (round(c + rr * math.cos(angle) - glyph_size), round(c + rr * math.sin(angle) - glyph_size)), tile
        )
    mask = np.asarray(img, dtype=np.float32) / 255
    # stamp pressure: uneven, lighter on one side, with gaps
    uneven = _noise_field(nrng, mask.shape, size / 6)
    side = np.linspace(0.75, 1.0, size, dtype=np.float32)[None, :] if rng.random() < 0.5 else 1.0
    gaps = _noise_field(nrng, mask.shape, 5) > 0.8
    mask = mask * np.clip(0.55 + 0.6 * uneven, 0, 1) * side
    mask[gaps] *= 0.3
    return _blur(mask, 1.2)


def _mimeograph(ink: np.ndarray, strength: float, nrng: np.random.Generator) -> np.ndarray:
    """Stencil print: ink bleeds into the paper, lies unevenly, and breaks where the stencil was worn."""
    bleed = _blur(ink, 1.5 + 2.5 * strength)
    ink = np.maximum(ink, np.clip(bleed * (1.25 + 0.5 * strength), 0, 1) * 0.85)
    uneven = _noise_field(nrng, ink.shape, 60)
    ink = ink * np.clip(0.35 + 0.9 * uneven + 0.2 * (1 - strength), 0.15, 1.0)
    # worn stencil: patches where little ink came through, and fine pinholes
    worn = _noise_field(nrng, ink.shape, 11) > 0.84 - 0.1 * strength
    ink[worn] *= 0.35
    pinholes = _noise_field(nrng, ink.shape, 3) > 0.9 - 0.05 * strength
    ink[pinholes] *= 0.5
    # blots and specks of different sizes where the roller left ink
    h, w = ink.shape
    blots = np.zeros_like(ink)
    for radius, count, weight in ((1.5, 260, 30), (4.0, 40, 80)):
        spots = np.zeros_like(ink)
        n = int(count * strength)
        spots[nrng.integers(0, h, n), nrng.integers(0, w, n)] = 1.0
        blots = np.maximum(blots, np.clip(_blur(spots, radius) * weight * nrng.uniform(0.5, 1.0), 0, 0.9))
    return np.clip(np.maximum(ink, blots), 0, 1)


def _paper(spec: PageSpec, shape: tuple[int, int], nrng: np.random.Generator) -> np.ndarray:
    h, w = shape
    tone = np.array(spec.paper_tone, dtype=np.float32)
    large = _noise_field(nrng, shape, 300) - 0.5
    fibre = _noise_field(nrng, shape, 3) - 0.5
    shade = 1 + 0.06 * large + 0.03 * fibre
    paper = tone[None, None, :] * shade[:, :, None]
    # edges darkened by age
    yy = np.abs(np.linspace(-1, 1, h, dtype=np.float32))[:, None]
    xx = np.abs(np.linspace(-1, 1, w, dtype=np.float32))[None, :]
    edge = np.clip(np.maximum(yy, xx) - 0.85, 0, 1) / 0.15
    paper *= (1 - 0.12 * edge**2)[:, :, None]
    return paper


def _stains(page: np.ndarray, count: int, foxing: int, nrng: np.random.Generator) -> np.ndarray:
    h, w = page.shape[:2]
    brown = np.array([150, 110, 60], dtype=np.float32) / 255
    total = np.zeros((h, w), dtype=np.float32)
    for _ in range(count):
        cy, cx = nrng.uniform(0.1, 0.9) * h, nrng.uniform(0.1, 0.9) * w
        radius = nrng.uniform(0.06, 0.16) * min(h, w)
        y0, y1 = int(max(0, cy - 1.6 * radius)), int(min(h, cy + 1.6 * radius))
        x0, x1 = int(max(0, cx - 1.6 * radius)), int(min(w, cx + 1.6 * radius))
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        wobble = _noise_field(nrng, (y1 - y0, x1 - x0), radius / 3) - 0.5
        dist = np.hypot((yy - cy) / radius, (xx - cx) / (radius * nrng.uniform(0.7, 1.4))) + 0.5 * wobble
        body = np.clip(1 - dist, 0, 1) ** 0.5 * 0.25
        rim = np.exp(-(((dist - 1.0) / 0.05) ** 2)) * 0.45
        total[y0:y1, x0:x1] = np.maximum(total[y0:y1, x0:x1], body + rim)
    if foxing:
        spots = np.zeros((h, w), dtype=np.float32)
        ys, xs = nrng.integers(0, h, foxing), nrng.integers(0, w, foxing)
        spots[ys, xs] = 1
        total = np.maximum(total, np.clip(_blur(spots, 6) * 120, 0, 0.6))
    tint = 1 - total[:, :, None] * (1 - brown[None, None, :])
    return page * tint


def _composite(page: np.ndarray, alpha: np.ndarray, colour: Sequence[int], opacity: float = 1.0) -> np.ndarray:
    """Ink on paper, multiplied (a red seal over black text leaves the text black)."""
    c = np.array(colour, dtype=np.float32) / 255
    a = (alpha * opacity)[:, :, None]
    return page * (1 - a + a * c[None, None, :])


def render_page(spec: PageSpec) -> tuple[Image.Image, Layout]:
    layout = layout_page(spec)
    rng = random.Random(spec.seed + 1)
    nrng = np.random.default_rng(spec.seed)
    ink, red = _draw_glyphs(layout, rng, spec.jitter, spec.vertical)
    ink = _blur(ink, 0.7)
    if spec.jitter:
        # stroke weight varies with the brush or the worn type
        ink = np.clip(ink * (0.85 + 0.3 * _noise_field(nrng, ink.shape, 25)), 0, 1)
    if spec.mimeo:
        ink = _mimeograph(ink, spec.mimeo, nrng)
    if spec.fade:
        ink = ink * (1 - spec.fade * (0.6 + 0.4 * _noise_field(nrng, ink.shape, 200)))
    shape = ink.shape
    page = _paper(spec, shape, nrng)
    if spec.show_through:
        # the verso's text seen through thin paper, mirrored and soft
        verso = np.ascontiguousarray(ink[:, ::-1])
        shift = int(shape[0] * 0.013)
        verso = np.roll(verso, shift, axis=0)
        page = _composite(page, _blur(verso, 2.5), (90, 80, 70), 0.22)
    page = _composite(page, red, RED, 0.95)
    page = _composite(page, ink, spec.ink)
    if spec.seal and layout.seal_at:
        diameter = int(mm(40))
        seal = _seal(diameter, layout.seal_text, rng, nrng)
        cx, cy = layout.seal_at
        x0, y0 = int(cx - diameter / 2), int(cy - diameter / 2)
        x0 = min(max(0, x0), shape[1] - diameter)
        y0 = min(max(0, y0), shape[0] - diameter)
        full = np.zeros(shape, dtype=np.float32)
        full[y0 : y0 + diameter, x0 : x0 + diameter] = seal
        page = _composite(page, full, SEAL_RED, 0.88)
    img = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8), mode="RGB")
    if spec.skew:
        fill = tuple(int(v * 0.97) for v in spec.paper_tone)
        img = img.rotate(spec.skew, resample=Image.Resampling.BICUBIC, fillcolor=fill)
    page = np.asarray(img, dtype=np.float32)
    if spec.stains or spec.foxing:
        page = _stains(page, spec.stains, spec.foxing, nrng)
    # the scanner: a little softness and sensor noise (the same on every channel)
    img = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8), mode="RGB").filter(ImageFilter.GaussianBlur(0.6))
    if spec.dpi != RENDER_DPI:
        scale = spec.dpi / RENDER_DPI
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.LANCZOS)
    page = np.asarray(img, dtype=np.float32)
    grain = nrng.normal(0, 2.5, page.shape[:2]).astype(np.float32)
    page = np.clip(page + grain[:, :, None], 0, 255)
    return Image.fromarray(page.astype(np.uint8), mode="RGB"), layout


# --------------------------------------------------------------------------------------------------------------------
# Files.


def page_index() -> list[dict]:
    rows = []
    for spec in PAGES:
        row = asdict(spec)
        row.update(script=spec.script, vertical=spec.vertical, file=f"{spec.name}.png", truth=f"truth/{spec.name}.txt")
        rows.append(
            {
                k: row[k]
                for k in ("name", "category", "layout", "vertical", "script", "dpi", "font", "paper", "file", "truth")
            }
        )
    return rows


def select(names: Iterable[str] | None = None) -> list[PageSpec]:
    if not names:
        return list(PAGES)
    wanted = set(names)
    unknown = wanted - {p.name for p in PAGES}
    if unknown:
        raise SystemExit(f"unknown pages: {', '.join(sorted(unknown))}")
    return [p for p in PAGES if p.name in wanted]


def write_truth(specs: Sequence[PageSpec] = PAGES, folder: Path = TRUTH_DIR) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        (folder / f"{spec.name}.txt").write_text(truth_text(spec), encoding="utf-8")
    INDEX_FILE.write_text(json.dumps(page_index(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _write_one(args: tuple[PageSpec, str]) -> str:
    spec, out = args
    img, _ = render_page(spec)
    path = Path(out) / f"{spec.name}.png"
    tmp = path.with_suffix(".tmp.png")
    img.save(tmp, dpi=(spec.dpi, spec.dpi), compress_level=3)
    tmp.replace(path)
    return spec.name


def generator_fingerprint() -> str:
    """Changes whenever the generator or its texts change: pages made by another version are made again."""
    data = b"".join((OCR_DIR / name).read_bytes() for name in ("make_pages.py", "texts.py"))
    return f"{zlib.crc32(data):08x}"


def ensure_pages(out: Path = PAGES_DIR, specs: Sequence[PageSpec] = PAGES, processes: int = 2) -> list[Path]:
    """Render the pages that are missing or were made by another version of the generator; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = out / "generator.txt"
    fingerprint = generator_fingerprint()
    if not stamp.exists() or stamp.read_text().strip() != fingerprint:
        for old in out.glob("*.png"):
            old.unlink()
        stamp.write_text(fingerprint + "\n")
    todo = [s for s in specs if not (out / f"{s.name}.png").exists()]
    if todo:
        if processes > 1 and len(todo) > 1:
            with ProcessPoolExecutor(processes) as pool:
                for name in pool.map(_write_one, [(s, str(out)) for s in todo]):
                    print(f"page {name}", file=sys.stderr, flush=True)
        else:
            for s in todo:
                _write_one((s, str(out)))
                print(f"page {s.name}", file=sys.stderr, flush=True)
    return [out / f"{s.name}.png" for s in specs]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=PAGES_DIR, help="folder for the PNG pages")
    parser.add_argument("--only", nargs="*", help="page names")
    parser.add_argument("--truth-only", action="store_true", help="write truth/*.txt and pages.json only")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    specs = select(args.only)
    write_truth(specs)
    if not args.truth_only:
        ensure_pages(args.out, specs, args.processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
