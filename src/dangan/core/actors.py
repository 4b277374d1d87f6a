"""Who acts: a signed-in account, or one of two explicit operators that are not accounts.

Every action takes an ``actor``. There is no implicit actor: ``None`` is refused everywhere, so an account that was
deleted or deactivated while its job waited in the queue can never turn into somebody who may do anything.

- ``CONSOLE`` is the person at the server's console running ``dangan …`` commands. Whoever holds the host holds
  the database and the storage anyway, so the console passes every capability check and reads every 密级; what it
  does is still written to the audit log under its own name.
- ``SYSTEM`` is the software's own scheduled or derived work (a periodic fixity audit, refreshing a package's
  description after a catalog edit). It passes the same checks, and is logged as 系统任务.

A background task started by a person carries that person's id and acts as that person (``actor_for_task``): if
the account is gone or deactivated when the task runs, the task fails instead of running with more rights.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from dangan.core.models import User


class Operator:
    """An actor that is not an account. Shaped enough like a user that templates and logs can name it."""

    is_authenticated = False
    is_anonymous = False
    is_active = True
    is_operator = True
    pk = None
    id = None
    role = ""
    clearance = ""
    must_change_password = False

    def __init__(self, key: str, label: Promise) -> None:
        self.key = key
        self.label = label

    def get_username(self) -> str:
        return self.key

    def get_full_name(self) -> str:
        return str(self.label)

    def has_capability(self, capability: str) -> bool:
        return True

    def __str__(self) -> str:
        return str(self.label)

    def __repr__(self) -> str:
        return f"<Operator {self.key}>"

    def __reduce__(self) -> str:
        # Pickled (e.g. into a task's arguments by mistake) it stays the one instance, never a copy.
        return self.key.upper()


CONSOLE = Operator("console", _("控制台操作员"))
SYSTEM = Operator("system", _("系统任务"))

# What an action accepts. Views pass ``request.user`` (a User once the view has required a capability).
Actor: TypeAlias = "User | Operator"


class ActorGone(Exception):
    """The account a queued task was to act for no longer exists or was deactivated."""


def is_operator(actor: Any) -> TypeGuard[Operator]:
    return isinstance(actor, Operator)


def check_actor(actor: Any) -> None:
    """Refuse a missing actor: ``None`` used to mean the console, and a deleted user looked the same."""
    if actor is None:
        raise TypeError("an action needs an actor: a user, CONSOLE or SYSTEM (None is not allowed)")


def account_of(actor: Any) -> User | None:
    """The account behind ``actor`` (for a foreign key), or None for an operator or an anonymous visitor."""
    return actor if getattr(actor, "is_authenticated", False) else None


def actor_name(actor: Any) -> str:
    """The name that audit entries and PREMIS agents record for ``actor``."""
    if is_operator(actor):
        return actor.key
    if getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    return "anonymous"


def actor_id(actor: Any) -> int | None:
    """What a task records to act as ``actor`` later: the account's id, or None for an operator (run as SYSTEM)."""
    account = account_of(actor)
    return account.pk if account is not None else None


def signed_in(request: HttpRequest) -> User:
    """The account behind ``request``, for views and endpoints that let only a signed-in account in (behind
    ``capability_required`` or an authenticated API router); PermissionDenied for anybody else."""
    from dangan.core.models import User

    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied(_("请先登录。"))
    return user


def actor_for_task(user_id: int | None) -> User | Operator:
    """The actor a queued task runs as: the account that queued it, or SYSTEM when an operator did.

    Raises ``ActorGone`` if the account was deleted or deactivated since: the task must not run at all then.
    """
    if user_id is None:
        return SYSTEM
    from dangan.core.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ActorGone(f"account {user_id} no longer exists or is deactivated")
    return user
