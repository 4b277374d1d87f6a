"""Registers accession's audit action types (and how the audit log shows them), its menu entry, and how a unit it
brought in names its source."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangan.catalog.sources import UnitSource, register_unit_source
from dangan.core.audit import register_action
from dangan.core.roles import Capability, has_capability
from dangan.utilities.registry import MenuItem, register_menu_item

from . import audit_describers

register_action("accession.transfer.receive", gettext_lazy("登记移交"))
register_action("accession.transfer.check_request", gettext_lazy("请求四性检测"))
register_action("accession.transfer.check_start", gettext_lazy("开始四性检测"))
register_action("accession.transfer.check", gettext_lazy("完成四性检测"))
register_action("accession.check.sign", gettext_lazy("签署人工检测项"))
register_action("accession.transfer.virus_override", gettext_lazy("未查毒确认接收"))
register_action("accession.transfer.accept_request", gettext_lazy("请求接收入库"))
register_action("accession.transfer.accept_start", gettext_lazy("开始接收入库"))
register_action("accession.transfer.accept_failed", gettext_lazy("接收入库未能开始"))
register_action("accession.transfer.accept", gettext_lazy("接收入库"))
register_action("accession.transfer.reject", gettext_lazy("拒收移交"))
register_action("accession.transfer.return", gettext_lazy("退回整改"))
register_action("accession.acquisition.register", gettext_lazy("征集登记"))
# How these entries are shown in the audit log: as far as catalog.policy lets the reader see the transfer's units.
audit_describers.register()

register_menu_item(
    MenuItem(
        "accession",
        gettext_lazy("接收"),
        "accession:transfer_list",
        Capability.ACCESSION,
        order=35,
        active_prefixes=("/manage/accession",),
    )
)


def transfer_source(viewer: Any, unit: Any) -> UnitSource | None:
    """A unit written by an acceptance came from its transfer (移交), not from a catalog import."""
    from .models import Transfer

    transfer = Transfer.objects.filter(import_batch_id=unit.import_batch_id).first()
    if transfer is None:
        return None
    url = (
        reverse("accession:transfer_detail", args=[transfer.uuid])
        if has_capability(viewer, Capability.ACCESSION)
        else ""
    )
    return UnitSource(_("移交：%(transfer)s") % {"transfer": transfer}, url)


register_unit_source("accession.transfer", transfer_source)
