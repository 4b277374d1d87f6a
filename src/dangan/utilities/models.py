"""Abstract base models that every app's models inherit from."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    """A model that knows when it was created and last changed."""

    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        abstract = True


class StableIdentityModel(TimestampedModel):
    """A model with a stable UUID that never changes, used in URLs, exports and storage."""

    uuid = models.UUIDField(_("标识符"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


def field_label(model: type[models.Model], name: str) -> str:
    """The Chinese name (verbose_name) of the concrete field ``name`` of ``model``, for messages and the audit log."""
    field = model._meta.get_field(name)
    return str(field.verbose_name) if isinstance(field, models.Field) else name


def field_max_length(model: type[models.Model], name: str) -> int | None:
    """The max_length of the concrete field ``name`` of ``model`` (None when it has none)."""
    field = model._meta.get_field(name)
    return field.max_length if isinstance(field, models.Field) else None
