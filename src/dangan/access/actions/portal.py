"""The portal's one editable record: the consulting information (查档指南) shown on the home and guide pages.

``check_consulting_info`` validates, ``do_update_consulting_info`` saves under the row's lock with the optimistic
version check (a stale form is refused with ``EditConflict``, not overwritten) and writes the audit log."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from dangan.access.models import ConsultingInfo
from dangan.access.models.portal import PUBLIC_FIELDS, SINGLETON_PK
from dangan.core.actors import check_actor
from dangan.core.audit import log
from dangan.utilities.concurrency import EditConflict

# Long enough for a guide, short enough that the page stays light.
MAX_TEXT = 4000


def check_consulting_info(changes: dict[str, Any]) -> dict[str, str]:
    """The cleaned values of ``changes`` (only the public fields; text stripped). ValidationError (per field, in
    Chinese) for an unknown field or a text too long."""
    unknown = sorted(set(changes) - set(PUBLIC_FIELDS))
    if unknown:
        raise ValidationError(_("未知的字段：%(fields)s") % {"fields": "、".join(unknown)})
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        text = str(value or "").strip().replace("\r\n", "\n")
        field = cast(models.Field[Any, Any], ConsultingInfo._meta.get_field(name))
        limit = field.max_length or MAX_TEXT
        if len(text) > limit:
            errors[name] = [
                _("不能超过 %(limit)s 个字符（现有 %(count)s 个）。") % {"limit": limit, "count": len(text)}
            ]
        cleaned[name] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


def do_update_consulting_info(actor: Any, changes: dict[str, Any], *, version: int | None = None) -> ConsultingInfo:
    """Save the consulting information. ``version`` is the one the form was filled in from (0: nothing was saved
    yet; None: no check, for the console); a stale one raises EditConflict."""
    check_actor(actor)
    cleaned = check_consulting_info(changes)
    with transaction.atomic():
        info, created = ConsultingInfo.objects.select_for_update().get_or_create(pk=SINGLETON_PK)
        stored = 0 if created else info.version
        if version is not None and version != stored:
            raise EditConflict(_("查档指南已被他人修改，请查看最新内容后再保存。"), current_version=stored)
        before = {name: getattr(info, name) for name in PUBLIC_FIELDS}
        for name, value in cleaned.items():
            setattr(info, name, value)
        after = {name: getattr(info, name) for name in PUBLIC_FIELDS}
        changed = {
            name: {"before": before[name], "after": after[name]} for name in after if before[name] != after[name]
        }
        if not changed and not created:
            return info
        info.version = 1 if created else info.version + 1
        info.save()
        log(info, "access.portal.update_guide", actor, {"changes": changed})
    return info
