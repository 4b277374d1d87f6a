"""The institution record."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dangan.core.audit import log
from dangan.core.models import Institution


@transaction.atomic
def do_ensure_institution(actor: Any, code: str, name: str, *, is_sample: bool = False) -> Institution:
    """The institution with ``code``, created if it does not exist yet."""
    institution, created = Institution.objects.get_or_create(code=code, defaults={"name": name, "is_sample": is_sample})
    if created:
        log(institution, "core.institution.create", actor, {"after": {"code": code, "name": name}})
    return institution
