"""Registers digitization's audit action types, menu entry, search full-text provider and deletion holds."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangan.core.audit import register_action
from dangan.core.roles import Capability
from dangan.utilities.registry import MenuItem, register_menu_item

register_action("digitization.batch.create", gettext_lazy("登记数字化批次"))
register_action("digitization.batch.add_units", gettext_lazy("批次添加档案"))
register_action("digitization.batch.import_request", gettext_lazy("请求导入扫描图像"))
register_action("digitization.batch.import_start", gettext_lazy("开始导入扫描图像"))
register_action("digitization.batch.import", gettext_lazy("导入扫描图像并质检"))
register_action("digitization.batch.recheck", gettext_lazy("返工后重新质检"))
register_action("digitization.page.replace", gettext_lazy("替换返工页面"))
register_action("digitization.inspection.start", gettext_lazy("开始人工抽检"))
register_action("digitization.inspection.verdict", gettext_lazy("抽检判定"))
register_action("digitization.batch.accept", gettext_lazy("批次验收合格"))
register_action("digitization.batch.return", gettext_lazy("批次退回返工"))
register_action("digitization.batch.preserve_request", gettext_lazy("请求批次入库"))
register_action("digitization.unit.preserve", gettext_lazy("数字化成果入库"))
register_action("digitization.batch.preserve", gettext_lazy("批次全部入库"))

register_menu_item(
    MenuItem(
        "digitization",
        gettext_lazy("数字化"),
        "digitization:batch_list",
        Capability.DIGITIZE,
        order=38,
        active_prefixes=("/manage/digitization",),
    )
)
