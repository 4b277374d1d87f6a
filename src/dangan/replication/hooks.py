"""What the replication app registers when Django is ready: its audit actions, the stores of each kind of target,
and its workspace menu entry. Each part adds its registrations here, one line each."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangan.core.audit import register_action

from .stores.partner import partner_store
from .stores.registry import register_store

# ---------------------------------------------------------------- protocol (keeping for partners, the partner store)
register_action("replication.keeping.receive", gettext_lazy("代存结对档案馆的密文对象"))
register_action("replication.keeping.delete", gettext_lazy("删除代存的密文对象"))
register_store("partner", partner_store)
