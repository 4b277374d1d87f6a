from .audit import AuditEntry
from .institution import Institution
from .signin import SignInScope, SignInThrottle
from .users import APIToken, User

__all__ = ["APIToken", "AuditEntry", "Institution", "SignInScope", "SignInThrottle", "User"]
