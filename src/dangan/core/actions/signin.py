"""Sign-in failure handling (登录失败处理): count failed attempts per account name and per client address, lock
either after too many, and unlock it (the security administrator, or the delay running out). Every lock and unlock
is written to the audit log.

Failures are counted for the name that was typed, whether or not such an account exists, so that a lock says
nothing about which names exist. An attempt is counted before its password is checked and given back when it
succeeds, so that concurrent attempts cannot get more guesses through than the limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from dangan.core.actors import SYSTEM, check_actor
from dangan.core.audit import log
from dangan.core.models import SignInScope, SignInThrottle, User
from dangan.core.roles import Capability

from .accounts import require


def client_address(request: HttpRequest | None) -> str:
    """The client's address: the connection's, or the one DANGAN_TRUSTED_PROXIES proxies put in X-Forwarded-For."""
    if request is None:
        return ""
    proxies = settings.TRUSTED_PROXIES
    if proxies > 0:
        header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:150]
    return str(request.META.get("REMOTE_ADDR", ""))[:150]


@dataclass(frozen=True)
class Gate:
    """Whether a sign-in attempt may check its password; if not, until when the lock lasts (None: until unlocked)."""

    allowed: bool
    locked_until: dt.datetime | None = None


def _limit(scope: str) -> int:
    return settings.SIGNIN_ACCOUNT_FAILURES if scope == SignInScope.ACCOUNT else settings.SIGNIN_ADDRESS_FAILURES


def _rows(username: str, address: str, now: dt.datetime) -> list[SignInThrottle]:
    """The throttle rows of this attempt, locked for update; a scope whose limit is 0 is not counted."""
    rows = []
    for scope, key in ((SignInScope.ACCOUNT, username[:150]), (SignInScope.ADDRESS, address)):
        if _limit(scope) <= 0 or not key:
            continue
        row, _created = SignInThrottle.objects.select_for_update().get_or_create(
            scope=scope, key=key, defaults={"window_started": now}
        )
        rows.append(row)
    return rows


def _account(row: SignInThrottle) -> User | None:
    return User.objects.filter(username=row.key).first() if row.scope == SignInScope.ACCOUNT else None


def _describe(row: SignInThrottle) -> dict[str, Any]:
    return {"scope": row.scope, "key": row.key, "failures": row.failures}


def _lock(row: SignInThrottle, now: dt.datetime) -> None:
    seconds = settings.SIGNIN_LOCK_SECONDS
    row.locked_at = now
    row.locked_until = now + dt.timedelta(seconds=seconds) if seconds > 0 else None
    row.save(update_fields=["locked_at", "locked_until", "failures", "window_started"])
    log(_account(row), "core.signin.lock", SYSTEM, {**_describe(row), "locked_until": row.locked_until})


def _unlock(row: SignInThrottle, actor: Any, now: dt.datetime, reason: str) -> None:
    data = {**_describe(row), "locked_at": row.locked_at, "reason": reason}
    row.locked_at = None
    row.locked_until = None
    row.failures = 0
    row.window_started = now
    row.save(update_fields=["locked_at", "locked_until", "failures", "window_started"])
    log(_account(row), "core.signin.unlock", actor, data)


@transaction.atomic
def begin_attempt(username: str, address: str) -> Gate:
    """Count one sign-in attempt before its password is checked; refuse it while the name or the address is locked.

    A refused attempt is audit-logged as a failed sign-in (its password is never checked).
    """
    now = timezone.now()
    rows = _rows(username, address, now)
    for row in rows:
        if row.lock_expired(now):
            _unlock(row, SYSTEM, now, "expired")
    window = dt.timedelta(seconds=settings.SIGNIN_WINDOW_SECONDS)
    if not any(row.is_locked(now) for row in rows):
        for row in rows:
            if row.window_started <= now - window:
                row.failures, row.window_started = 0, now
            row.failures += 1
            if row.failures > _limit(row.scope):  # attempts still being checked already reached the limit
                _lock(row, now)
            else:
                row.save(update_fields=["failures", "window_started"])
    gate = _gate(rows, now)
    if gate.allowed:
        return gate
    data = {"username": username[:150], "ip": address, "locked": True}
    log(User.objects.filter(username=username).first(), "core.user.login_failed", username[:150] or "anonymous", data)
    return gate


@transaction.atomic
def record_failure(username: str, address: str) -> Gate:
    """The attempt's password was wrong: lock the name or the address that has now reached its limit."""
    now = timezone.now()
    rows = _rows(username, address, now)
    for row in rows:
        if not row.is_locked(now) and row.failures >= _limit(row.scope):
            _lock(row, now)
    return _gate(rows, now)


def _gate(rows: list[SignInThrottle], now: dt.datetime) -> Gate:
    """Allowed unless a row is locked; then until the latest end of a lock (None: one lasts until unlocked)."""
    ends = [row.locked_until for row in rows if row.is_locked(now)]
    if not ends:
        return Gate(True)
    if any(end is None for end in ends):
        return Gate(False, None)
    return Gate(False, max(end for end in ends if end is not None))


@transaction.atomic
def record_success(username: str, address: str) -> None:
    """The attempt succeeded: the name's failures start again from none, and the address gets its attempt back."""
    now = timezone.now()
    for row in _rows(username, address, now):
        row.failures = 0 if row.scope == SignInScope.ACCOUNT else max(0, row.failures - 1)
        row.save(update_fields=["failures"])


def current_locks(now: dt.datetime | None = None) -> QuerySet[SignInThrottle]:
    """Names and addresses locked now, the most recent first."""
    from django.db.models import Q

    now = now or timezone.now()
    return (
        SignInThrottle.objects.filter(locked_at__isnull=False)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__gt=now))
        .order_by("-locked_at")
    )


def check_unlock(actor: Any, row: SignInThrottle) -> None:
    check_actor(actor)
    require(actor, Capability.SIGNIN_UNLOCK)


@transaction.atomic
def do_unlock(actor: Any, row: SignInThrottle) -> bool:
    """Lift a lock before it runs out (the security administrator, or the console). False if it was not locked."""
    check_unlock(actor, row)
    row = SignInThrottle.objects.select_for_update().get(pk=row.pk)
    if row.locked_at is None:
        return False
    _unlock(row, actor, timezone.now(), "manual")
    return True


@transaction.atomic
def do_release_expired_locks(now: dt.datetime | None = None) -> int:
    """Record the unlock of every lock whose delay has run out (the scheduler calls this; so does the next attempt),
    and forget the counts of names and addresses that failed no more within the window (names made up by an
    attacker would otherwise pile up). Returns how many locks were released."""
    now = now or timezone.now()
    rows = list(SignInThrottle.objects.select_for_update().filter(locked_at__isnull=False, locked_until__lte=now))
    for row in rows:
        _unlock(row, SYSTEM, now, "expired")
    stale = now - dt.timedelta(seconds=settings.SIGNIN_WINDOW_SECONDS)
    SignInThrottle.objects.filter(locked_at__isnull=True, window_started__lt=stale).delete()
    return len(rows)
