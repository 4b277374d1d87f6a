"""Enumerations of the catalog, with Chinese labels and stable English values."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.core.choices import SecurityClassification

__all__ = [
    "ArrangementOrder",
    "AuthorityKind",
    "AuthorityRole",
    "DatePrecision",
    "DisposalStatus",
    "Openness",
    "RetentionPeriod",
    "SecurityClassification",
    "UnitLevel",
]


class UnitLevel(models.TextChoices):
    SERIES = "series", _("类别")
    FILE = "file", _("案卷")
    ITEM = "item", _("件")


class RetentionPeriod(models.TextChoices):
    """保管期限; values are the DA/T 22 codes. 长期/短期 remain for older holdings."""

    PERMANENT = "Y", _("永久")
    THIRTY_YEARS = "D30", _("定期30年")
    TEN_YEARS = "D10", _("定期10年")
    LONG_TERM = "C", _("长期")
    SHORT_TERM = "D", _("短期")


class Openness(models.TextChoices):
    OPEN = "open", _("开放")
    CONTROLLED = "controlled", _("控制")
    PENDING = "pending", _("待审")


class DisposalStatus(models.TextChoices):
    """Where a request to dispose of a unit (鉴定销毁) stands: a second person approves or rejects it."""

    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已处置")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


class DatePrecision(models.TextChoices):
    DAY = "day", _("日")
    MONTH = "month", _("月")
    YEAR = "year", _("年")


class ArrangementOrder(models.TextChoices):
    """The order of the classification elements inside a fonds (DA/T 22 §6)."""

    YEAR_ORG_RETENTION = "year-org-retention", _("年度—机构(问题)—保管期限")
    YEAR_RETENTION_ORG = "year-retention-org", _("年度—保管期限—机构(问题)")


class AuthorityKind(models.TextChoices):
    PERSON = "person", _("人物")
    ORGANIZATION = "organization", _("机构")
    PLACE = "place", _("地点")
    EVENT = "event", _("事件")


class AuthorityRole(models.TextChoices):
    CREATOR = "creator", _("形成者")
    AUTHOR = "author", _("责任者")
    RECIPIENT = "recipient", _("收文者")
    SUBJECT = "subject", _("主题")
    MENTIONED = "mentioned", _("提及")
    PLACE = "place", _("地点")
