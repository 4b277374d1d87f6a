"""The conservation app's choices (glossary: docs/development/conservation.md and STANDARDS.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LocationKind(models.TextChoices):
    """The levels of the stacks tree, from the room down (库房 → 区 → 列 → 节 → 层 → 盒/位). A location's children are
    of a lower level; levels may be skipped (a room without zones)."""

    STACK = "stack", _("库房")
    ZONE = "zone", _("区")
    ROW = "row", pgettext_lazy("stack level", "列")  # not the 列 of a table: a row of shelving
    SECTION = "section", _("节")
    SHELF = "shelf", _("层")
    BOX = "box", _("盒/位")

    @classmethod
    def depth_of(cls, kind: str) -> int:
        return list(cls.values).index(kind)


class CheckOutPurpose(models.TextChoices):
    """Why an original leaves its place (出库)."""

    READING = "reading", _("阅览")
    DIGITIZATION = "digitization", _("数字化")
    RESTORATION = "restoration", _("修复")
    EXHIBITION = "exhibition", _("展览")
    OTHER = "other", _("其他")


class DamageGrade(models.TextChoices):
    """破损等级 (GB/T 42468.1-2023), from the worst; ``INTACT`` is a surveyed unit with no damage worth a grade.
    The order of the members is the order of urgency."""

    SPECIAL = "special", _("特残")
    SEVERE = "severe", _("严重")
    MODERATE = "moderate", _("中度")
    MILD = "mild", _("轻度")
    INTACT = "intact", _("完好")

    @classmethod
    def rank(cls, grade: str) -> int:
        """0 for 特残 … 4 for 完好: sort by it for urgency."""
        return list(cls.values).index(grade)


class DamageType(models.TextChoices):
    """Damage types of paper archives surveyed (GB/T 42468.1-2023 / .2); how each is measured is in
    ``grading.MEASURES`` (a share of the area in per cent, a pH value, or a degree)."""

    MOULD = "mould", _("霉变")
    INSECTS = "insects", _("虫蛀")
    RODENTS = "rodents", _("鼠啮")
    STAINS = "stains", _("污渍")
    LOSS = "loss", _("残缺")
    BLOCKING = "blocking", _("粘连")
    ACIDIFICATION = "acidification", _("酸化")
    FADING = "fading", _("褪色")
    INK_SPREAD = "ink_spread", _("字迹扩散")
    BRITTLENESS = "brittleness", _("脆化")
    TEARS = "tears", _("撕裂")
    CREASES = "creases", _("折皱")


class Degree(models.TextChoices):
    """How bad a damage measured by eye is (褪色, 字迹扩散, 脆化, 撕裂, 折皱)."""

    NONE = "none", _("无")
    LIGHT = "light", _("轻微")
    MODERATE = "moderate", _("较重")
    SEVERE = "severe", _("严重")


class ConditionSource(models.TextChoices):
    """Where a unit's recorded condition came from."""

    SURVEY = "survey", _("摸排")
    RESTORATION = "restoration", _("修复验收")
    INSPECTION = "inspection", _("日常检查")
