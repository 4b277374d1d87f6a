"""Choices shared by the parts of the access app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    """利用目的: what a reader uses the archives for (the annual utilization statistics count by it)."""

    HISTORY = "history", _("编史修志")
    RESEARCH = "research", _("学术研究")
    WORK = "work", _("工作查考")
    RIGHTS = "rights", _("个人权益证明")
    EDUCATION = "education", _("宣传教育")
    OTHER = "other", _("其他")


class UseKind(models.TextChoices):
    """What one entry of the utilization register (利用登记) records."""

    VISIT = "visit", _("到馆")
    REQUEST = "request", _("查档申请")
    VIEW = "view", _("查阅")
    COPY = "copy", _("复制")


class Channel(models.TextChoices):
    """Where the use happened."""

    READING_ROOM = "reading_room", _("阅览室")
    ONLINE = "online", _("网上")
