"""Which capabilities each preservation operation needs. The roles (core.roles) have no preservation capabilities of
their own yet, so the operations map onto the catalog's: whoever may change the catalog may preserve its files;
whoever may change or configure it may start a fixity audit; the rebuild is a configuration task."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from dangan.core.actors import check_actor
from dangan.core.roles import Capability, has_capability

PRESERVE = (Capability.CATALOG_CHANGE,)
VIEW = (Capability.CATALOG_VIEW,)
RUN_AUDIT = (Capability.CATALOG_CHANGE, Capability.CATALOG_CONFIGURE)
REBUILD = (Capability.CATALOG_CONFIGURE,)


def may(user: Any, capabilities: tuple[str, ...]) -> bool:
    """Whether ``user`` holds any one of ``capabilities``."""
    return any(has_capability(user, capability) for capability in capabilities)


def require_actor_any(actor: Any, capabilities: tuple[str, ...]) -> None:
    """PermissionDenied unless ``actor`` holds one of ``capabilities`` (operators hold them all; None is refused)."""
    check_actor(actor)
    if not may(actor, capabilities):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
