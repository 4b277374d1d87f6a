"""What the compilation app registers when Django is ready: its menu entry and audit actions. Each part adds its
registrations in a block of its own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangan.core.roles import Capability
from dangan.utilities.registry import MenuItem, register_menu_item

register_menu_item(
    MenuItem(
        "compilation",
        gettext_lazy("档案编研"),
        "compilation:home",
        Capability.COMPILATION_EDIT,
        order=78,
        active_prefixes=("/manage/compilation",),
    )
)
