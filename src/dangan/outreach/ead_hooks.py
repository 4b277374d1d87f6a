"""Part ead's registrations (called from hooks.py): the OAI-PMH metadata format ``ead3`` (fonds records only), the
start-page link of the EAD3/EAC-CPF downloads, the audit action of an export."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from dangan.catalog.models import Fonds
from dangan.core.audit import register_action
from dangan.outreach.interchange.ead3 import EAD_NAMESPACE, EAD_SCHEMA, write_fonds
from dangan.outreach.interchange.registry import MetadataFormat, register_metadata_format
from dangan.outreach.navigation import Link, register_link


def _applies(record: Any) -> bool:
    return isinstance(record, Fonds)


def _write(xf: Any, fonds: Any, viewer: Any) -> None:
    write_fonds(xf, fonds, viewer)


def register_ead() -> None:
    register_metadata_format(MetadataFormat("ead3", EAD_SCHEMA, EAD_NAMESPACE, _write, _applies))
    register_link(
        Link(
            "outreach:ead_list",
            gettext_lazy("目录交换（EAD3、EAC-CPF）"),
            order=60,
            description=gettext_lazy("下载全宗的 EAD3 目录和规范档案的 EAC-CPF 记录，内容以本人可见的档案为限。"),
        )
    )
    register_action("outreach.ead.export", gettext_lazy("导出交换格式"))
