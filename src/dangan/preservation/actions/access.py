"""Reading preserved packages, their files and what audits found in them: through catalog.policy (the one door for
visibility), and file reads recorded in the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dangan.catalog.policy import can_view_unit_record, visible_records
from dangan.core.actors import is_operator
from dangan.core.audit import log
from dangan.preservation.models import AuditFailure, PackageFile, PreservedPackage
from dangan.preservation.permissions import VIEW, require_actor_any
from dangan.preservation.store import storage_root

__all__ = ["can_view_failure", "can_view_package", "do_open_file", "readable_failures", "visible_failures"]


def can_view_package(user: Any, package: PreservedPackage) -> bool:
    """Whether ``user`` may see ``package`` and its files: exactly when the policy lets them see its unit's record —
    in the holdings, or (for a disposed-of unit) in the register of disposals. A package whose unit is no longer in
    the catalog has no one to decide for it, so no one sees it here."""
    return package.unit is not None and can_view_unit_record(user, package.unit)


def can_view_failure(user: Any, failure: AuditFailure) -> bool:
    """Whether ``user`` may read what an audit found in an object (its file paths, digests, the unit): when they may
    see its package. An object no package row names (storage the catalog does not know) belongs to no unit the
    policy could weigh: only the console reads those (``dangan audit --json``)."""
    package = failure.package
    if package is None or package.unit is None:
        return is_operator(user)
    return can_view_package(user, package)


def readable_failures(user: Any, failures: QuerySet[AuditFailure]) -> QuerySet[AuditFailure]:
    """``can_view_failure`` as a filter, for the paged lists."""
    if is_operator(user):
        return failures
    return failures.filter(package__unit__in=visible_records(user))


def visible_failures(user: Any, failures: Iterable[AuditFailure]) -> tuple[list[AuditFailure], int]:
    """The failures ``user`` may read, and how many others there are. That count is already in the run's totals,
    which say how the storage is, not which unit: only the rows that would name a unit or a file are withheld."""
    shown: list[AuditFailure] = []
    hidden = 0
    for failure in failures:
        if can_view_failure(user, failure):
            shown.append(failure)
        else:
            hidden += 1
    return shown, hidden


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
