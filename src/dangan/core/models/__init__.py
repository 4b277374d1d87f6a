from .audit import AuditEntry
from .institution import Institution
from .users import APIToken, User

__all__ = ["APIToken", "AuditEntry", "Institution", "User"]
