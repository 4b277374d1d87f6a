"""Registers the catalog's audit action types (and how the audit log shows them) and menu entries."""

from django.utils.translation import gettext_lazy as _

from dangan.core.audit import register_action
from dangan.core.roles import Capability
from dangan.utilities.registry import MenuItem, register_menu_item

from . import audit_describers

register_action("catalog.fonds.create", _("创建全宗"))
register_action("catalog.fonds.update", _("修改全宗"))
register_action("catalog.category.create", _("创建档案门类"))
register_action("catalog.code_rule.set", _("设置档号规则"))
register_action("catalog.unit.create", _("创建档案"))
register_action("catalog.unit.update", _("修改档案"))
register_action("catalog.unit.move", _("移动档案"))
register_action("catalog.unit.delete", _("删除档案"))
register_action("catalog.unit.renumber", _("重新编号"))
register_action("catalog.unit.disposal.request", _("申请鉴定销毁"))
register_action("catalog.unit.disposal.reject", _("驳回鉴定销毁申请"))
register_action("catalog.unit.disposal.withdraw", _("撤回鉴定销毁申请"))
register_action("catalog.unit.dispose", _("鉴定销毁（处置）档案"))
register_action("catalog.unit.openness", _("变更档案开放状态"))
register_action("catalog.authority.create", _("创建规范档案"))
register_action("catalog.authority.update", _("修改规范档案"))
register_action("catalog.authority.link", _("关联规范档案"))
register_action("catalog.authority.unlink", _("取消关联规范档案"))
register_action("catalog.import", _("导入目录"))
register_action("catalog.export", _("导出目录"))
register_action("catalog.print", _("打印目录"))
register_action("catalog.demo", _("加载示例数据"))
# How these entries are shown in the audit log: only as far as catalog.policy lets the reader see each unit.
audit_describers.register()

register_menu_item(
    MenuItem(
        "fonds",
        _("全宗与档案"),
        "catalog:fonds_list",
        Capability.CATALOG_VIEW,
        order=10,
        active_prefixes=("/manage/fonds", "/manage/units"),
    )
)
register_menu_item(
    MenuItem(
        "authorities",
        _("规范档案"),
        "catalog:authority_list",
        Capability.CATALOG_VIEW,
        order=20,
        active_prefixes=("/manage/authorities",),
    )
)
register_menu_item(
    MenuItem(
        "disposals",
        _("鉴定销毁"),
        "catalog:disposal_list",
        Capability.CATALOG_CHANGE,
        order=25,
        active_prefixes=("/manage/disposals",),
    )
)
register_menu_item(
    MenuItem(
        "imports",
        _("目录导入"),
        "catalog:import_list",
        Capability.CATALOG_IMPORT,
        order=30,
        active_prefixes=("/manage/imports",),
    )
)
