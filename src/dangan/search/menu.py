"""The search entry of the workspace navigation (imported by search.hooks)."""

from django.utils.translation import gettext_lazy as _

from dangan.core.roles import Capability
from dangan.utilities.registry import MenuItem, register_menu_item

register_menu_item(
    MenuItem(
        "search",
        _("检索"),
        "search:search",
        Capability.CATALOG_VIEW,
        order=15,
        active_prefixes=("/manage/search",),
    )
)
