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

# ---------------------------------------------------------------- part volumes (actions/volumes.py, views/volumes.py)
from dangan.compilation.navigation import Link, register_link  # noqa: E402
from dangan.compilation.tasks import volumes as _volumes_tasks  # noqa: E402, F401  (the worker's abandoned handler)
from dangan.core.audit import register_action  # noqa: E402

for _action, _label in (
    ("compilation.create", gettext_lazy("创建编研成果")),
    ("compilation.edit", gettext_lazy("修改编研成果")),
    ("compilation.delete", gettext_lazy("删除编研成果")),
    ("compilation.section", gettext_lazy("编研成果的部分")),
    ("compilation.reorder", gettext_lazy("调整编研成果的顺序")),
    ("compilation.entry.add", gettext_lazy("编研成果加入选文")),
    ("compilation.entry.edit", gettext_lazy("修改选文")),
    ("compilation.entry.remove", gettext_lazy("移除选文")),
    ("compilation.note", gettext_lazy("修改注释")),
    ("compilation.image", gettext_lazy("修改选文图片")),
    ("compilation.export", gettext_lazy("导出编研成果")),
):
    register_action(_action, _label)
register_link(
    Link(
        "compilation:volumes",
        gettext_lazy("选编与汇编"),
        10,
        description=gettext_lazy("编研成果的选文、录文与注释、前言与编辑说明、索引和导出"),
    )
)
