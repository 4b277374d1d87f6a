"""Sample data of the exhibitions tests (and their browser test): an opened 公开 unit and a hidden one (公开 but under
控制, or 秘密), each scanned (two pages, preserved as masters) with the OCR text of page 1; and an exhibition of one
section with a page holding every block kind, on both units — made through the part's actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from dangan.core.actors import CONSOLE
from dangan.core.choices import SecurityClassification
from dangan.digitization.ocr import PageResult
from dangan.digitization.pages import unit_pages
from dangan.outreach.actions import exhibitions as actions
from dangan.outreach.models import Exhibition
from tests.digitization.iiif.pages import draw_pages, preserve_masters, row, store_text

VISIBLE_TITLE = "关于红军长征过境贵州的回忆材料"
HIDDEN_TITLE = "关于某部队驻地调整的秘密报告"
VISIBLE_WORDS = "红军来到遵义城"
HIDDEN_WORDS = "驻地调整绝密事项"


@dataclass
class Sample:
    visible: Any
    hidden: Any
    visible_image: str
    hidden_image: str
    exhibition: Exhibition


def make_unit(fonds: Any, categories: Any, title: str, **extra: Any) -> Any:
    from dangan.catalog.actions.units import do_create_unit

    data = {
        "title": title,
        "category": categories["WS"],
        "year": 1935,
        "retention": "Y",
        "organization": "BGS",
        "responsible": "贵州省档案馆",
        "page_count": 2,
        "classification": SecurityClassification.PUBLIC,
        "openness": "open",
        **extra,
    }
    return do_create_unit(CONSOLE, fonds, data)


def scan(unit: Any, folder: Path, words: str) -> str:
    """Two pages preserved as the unit's masters, page 1 with ``words`` as its OCR text; page 1's image id."""
    preserve_masters(unit, draw_pages(folder, [(400, 300), (400, 300)]))
    store_text(unit, 1, PageResult(400, 300, [row("l1", words, 10, 10)], False, "hand-made"))
    return unit_pages(unit)[0].image_id


def storage(settings: Any, tmp_path: Path) -> None:
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    storage_root()


def every_block(unit_uuid: str, image: str, words: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("image", {"image": image, "region": "10,20,200,100", "caption": "图像局部"}),
        ("unit", {"unit": unit_uuid}),
        ("gallery", {"images": [{"image": image, "caption": "图一"}, {"image": image, "region": "0,0,100,100"}]}),
        ("quote", {"unit": unit_uuid, "page": 1, "text": words, "note": "原文摘录"}),
    ]


def build(settings: Any, tmp_path: Path, fonds: Any, categories: Any, *, hidden: str = "controlled") -> Sample:
    """The sample: ``hidden`` is "controlled" (公开, 控制) or "secret" (秘密, 开放)."""
    storage(settings, tmp_path)
    visible = make_unit(fonds, categories, VISIBLE_TITLE)
    extra = {"openness": "controlled"} if hidden == "controlled" else {"classification": SecurityClassification.SECRET}
    hidden_unit = make_unit(fonds, categories, HIDDEN_TITLE, **extra)
    visible_image = scan(visible, tmp_path / "scans-visible", VISIBLE_WORDS)
    hidden_image = scan(hidden_unit, tmp_path / "scans-hidden", HIDDEN_WORDS)
    exhibition = actions.do_create_exhibition(
        CONSOLE,
        {
            "slug": "hongjun-zai-guizhou",
            "title": "红军在贵州",
            "subtitle": "馆藏档案专题展",
            "introduction": "1935 年，中央红军长征途经贵州。\n\n本展览以馆藏档案讲述这段历史。",
            "cover_image": visible_image,
        },
    )
    section = actions.do_add_section(CONSOLE, exhibition, "第一单元 突破乌江")
    page = actions.do_add_page(CONSOLE, section, "强渡乌江")
    actions.do_add_block(
        CONSOLE, page, "text", {"html": "<h2>渡江</h2><p>红军<strong>强渡</strong>乌江。</p><script>alert(1)</script>"}
    )
    actions.do_add_block(
        CONSOLE,
        page,
        "timeline",
        {"entries": [{"date": "1935-01-07", "title": "占领遵义"}, {"date": "1935-01-01", "title": "强渡乌江"}]},
    )
    for kind, data in every_block(str(visible.uuid), visible_image, VISIBLE_WORDS):
        actions.do_add_block(CONSOLE, page, kind, data)
    for kind, data in every_block(str(hidden_unit.uuid), hidden_image, HIDDEN_WORDS):
        actions.do_add_block(CONSOLE, page, kind, data)
    second = actions.do_add_page(CONSOLE, section, "遵义会议")
    actions.do_add_block(CONSOLE, second, "text", {"html": "<p>遵义会议纪念馆。</p>"})
    exhibition = actions.do_publish(CONSOLE, exhibition, publish_at=timezone.now() - timedelta(minutes=1))
    return Sample(visible, hidden_unit, visible_image, hidden_image, exhibition)
