"""Registers accession's audit action types (and how the audit log shows them) and menu entry."""

from django.utils.translation import gettext_lazy as _

from dangan.core.audit import register_action
from dangan.core.roles import Capability
from dangan.utilities.registry import MenuItem, register_menu_item

from . import audit_describers

register_action("accession.transfer.receive", _("登记移交"))
register_action("accession.transfer.check_start", _("开始四性检测"))
register_action("accession.transfer.check", _("完成四性检测"))
register_action("accession.check.sign", _("签署人工检测项"))
register_action("accession.transfer.virus_override", _("未查毒确认接收"))
register_action("accession.transfer.accept_start", _("开始接收入库"))
register_action("accession.transfer.accept_failed", _("接收入库未能开始"))
register_action("accession.transfer.accept", _("接收入库"))
register_action("accession.transfer.reject", _("拒收移交"))
register_action("accession.transfer.return", _("退回整改"))
register_action("accession.acquisition.register", _("征集登记"))
# How these entries are shown in the audit log: as far as catalog.policy lets the reader see the transfer's units.
audit_describers.register()

register_menu_item(
    MenuItem(
        "accession",
        _("接收"),
        "accession:transfer_list",
        Capability.ACCESSION,
        order=35,
        active_prefixes=("/manage/accession",),
    )
)
