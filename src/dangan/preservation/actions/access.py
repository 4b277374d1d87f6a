"""Reading preserved files: through catalog.policy (the one door for visibility), and recorded in the audit log."""

from __future__ import annotations

from typing import Any, BinaryIO

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from dangan.catalog.policy import can_view_unit
from dangan.core.audit import log
from dangan.preservation.models import PackageFile, PreservedPackage
from dangan.preservation.permissions import VIEW, require_actor_any
from dangan.preservation.store import storage_root

__all__ = ["can_view_package", "do_open_file"]


def can_view_package(user: Any, package: PreservedPackage) -> bool:
    """Whether ``user`` may see ``package`` and its files: exactly when the policy lets them see its unit. A package
    whose unit is no longer in the catalog has no one to decide for it, so no one sees it here."""
    return package.unit is not None and can_view_unit(user, package.unit)


def do_open_file(
    actor: Any, package: PreservedPackage, version: int, logical_path: str
) -> tuple[PackageFile, BinaryIO]:
    """The row and an open stream of one file of one version; the download is audit-logged. Raises PermissionDenied
    when the policy hides the unit, PackageFile.DoesNotExist when the version has no such file."""
    require_actor_any(actor, VIEW)
    if not can_view_package(actor, package):
        raise PermissionDenied(_("您无权查看该档案。"))
    row = PackageFile.objects.select_related("version").get(
        package=package, version__number=version, logical_path=logical_path
    )
    handle = storage_root().open_file(package.object_id, logical_path, version)
    log(
        package,
        "preservation.file.download",
        actor,
        {"object_id": package.object_id, "version": row.version.name, "path": logical_path, "size": row.size},
    )
    return row, handle
