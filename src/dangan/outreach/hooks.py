"""What the outreach app registers when Django is ready: its menu entry, audit actions, start-page links, OAI-PMH
sets and metadata formats, and periodic jobs. Each part adds its registrations in a block of its own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangan.core.audit import register_action
from dangan.core.roles import Capability
from dangan.utilities.registry import MenuItem, register_menu_item

register_menu_item(
    MenuItem(
        "outreach",
        gettext_lazy("宣传与开发利用"),
        "outreach:home",
        Capability.OUTREACH_EDIT,
        order=76,
        active_prefixes=("/manage/outreach",),
    )
)

# ---------------------------------------------------------------- shared: stories (models/stories.py)
register_action("outreach.story.status", gettext_lazy("变更档案故事状态"))

# ---------------------------------------------------------------- part oai: OAI-PMH 2.0 at /oai
from dangan.catalog.signals import units_changed  # noqa: E402
from dangan.outreach.actions.oai import on_units_changed  # noqa: E402
from dangan.outreach.interchange.oai_dc import FONDS_SETS, OAI_DC_FORMAT  # noqa: E402
from dangan.outreach.interchange.registry import register_metadata_format, register_set_family  # noqa: E402

register_metadata_format(OAI_DC_FORMAT)
register_set_family(FONDS_SETS)
units_changed.connect(on_units_changed, dispatch_uid="dangan.outreach.oai.follow_units")
