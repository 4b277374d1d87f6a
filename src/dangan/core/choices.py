"""Choices that the whole system shares: roles and security classification levels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles, and the readers' (查档人); the three administrator roles are kept apart (三员分立)."""

    ARCHIVIST = "archivist", _("业务人员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全保密管理员")
    SECURITY_AUDITOR = "security_auditor", _("安全审计员")
    # 利用服务: the reading room desk, readers' registration and their personal data, access requests.
    ACCESS_STAFF = "access_staff", _("利用服务人员")
    # A member of the public with an account (查档人): sees what the public sees, plus what a grant opens to them.
    READER = "reader", _("查档人")
    # 保管保护 (issue #17): the stacks, condition surveys, climate and restoration. They read units up to their
    # clearance (catalog.policy) on the conservation pages; the head of conservation also approves work orders.
    CONSERVATOR = "conservator", _("保管保护人员")
    CONSERVATION_HEAD = "conservation_head", _("保管保护负责人")


class SecurityClassification(models.TextChoices):
    """密级, from open to most secret. The order of the members is the order of sensitivity."""

    PUBLIC = "public", _("公开")
    INTERNAL = "internal", _("内部")
    SECRET = "secret", _("秘密")
    CONFIDENTIAL = "confidential", _("机密")
    TOP_SECRET = "top_secret", _("绝密")

    @classmethod
    def rank(cls, value: str) -> int:
        return list(cls.values).index(value)

    @classmethod
    def at_most(cls, value: str) -> list[str]:
        """Every level up to and including ``value``."""
        return list(cls.values)[: cls.rank(value) + 1]
