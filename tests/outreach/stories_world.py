"""Sample data for the stories tests: units the public sees and units it does not, each with a preserved page image,
a writer and a reviewer (both archivists), and a story written, approved and published through the actions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dangan.catalog.choices import Openness
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from tests.helpers import account

COUNTER = itertools.count(1)


@dataclass
class Stories:
    writer: Any
    reviewer: Any
    open_unit: Any
    open_image: str
    secret_unit: Any
    secret_image: str
    controlled_unit: Any
    controlled_image: str


def with_image(unit: Any, folder: Path) -> str:
    """Preserve one page image as ``unit``'s master; its IIIF image id."""
    from dangan.digitization.pages import master_files, page_image_id
    from tests.digitization.iiif.pages import draw_pages, preserve_masters

    preserve_masters(unit, draw_pages(folder / f"scans-{next(COUNTER)}", [(120, 160)]))
    return page_image_id(master_files(unit)[0])


def build(tmp_path: Path, settings: Any, fonds: Any, categories: Any) -> Stories:
    from dangan.catalog.actions.units import do_create_unit
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    storage_root()

    def unit(title: str, classification: str, openness: str) -> Any:
        data = {
            "title": title,
            "category": categories["WS"],
            "year": 1935,
            "retention": "Y",
            "organization": "BGS",
            "responsible": "中共中央",
            "page_count": 1,
            "classification": classification,
            "openness": openness,
        }
        return do_create_unit(CONSOLE, fonds, data)

    open_unit = unit("遵义会议决议公开件", SecurityClassification.PUBLIC, Openness.OPEN)
    secret_unit = unit("绝不外泄的机要电报", SecurityClassification.SECRET, Openness.OPEN)
    controlled_unit = unit("控制使用的会议记录", SecurityClassification.PUBLIC, Openness.CONTROLLED)
    return Stories(
        writer=account(Role.ARCHIVIST, SecurityClassification.SECRET, username="story-writer"),
        reviewer=account(Role.ARCHIVIST, SecurityClassification.PUBLIC, username="story-reviewer"),
        open_unit=open_unit,
        open_image=with_image(open_unit, tmp_path),
        secret_unit=secret_unit,
        secret_image=with_image(secret_unit, tmp_path),
        controlled_unit=controlled_unit,
        controlled_image=with_image(controlled_unit, tmp_path),
    )


def figure(image: str, caption: str = "") -> str:
    from dangan.outreach.richtext import image_url

    return f'<figure><img src="{image_url(image)}" alt="图"><figcaption>{caption}</figcaption></figure>'


def published_story(world: Stories, slug: str = "zunyi", *, units: list[Any] | None = None, body: str = "") -> Any:
    """A story by the writer citing ``units`` (the open and the controlled unit by default), approved by the
    reviewer and published."""
    from dangan.outreach.actions import stories as actions

    cited = units if units is not None else [world.open_unit, world.controlled_unit]
    story = actions.do_create_story(
        world.writer,
        actions.StoryInput(
            title="遵义会议的故事",
            slug=slug,
            summary="伟大的转折",
            body=body or f"<p>一九三五年一月。</p>{figure(world.open_image, '决议首页')}",
            author_name="档案编研处",
            cover_image=world.open_image,
            units=[str(u.uuid) for u in cited],
        ),
    )
    actions.do_submit(world.writer, story)
    actions.do_approve(world.reviewer, story)
    return actions.do_publish(world.reviewer, story)
