"""Models of the preservation app (see each module)."""

from .audits import AuditFailure, AuditRun
from .packages import PackageEvent, PackageFile, PackageVersion, PreservedPackage

__all__ = ["AuditFailure", "AuditRun", "PackageEvent", "PackageFile", "PackageVersion", "PreservedPackage"]
