"""The stacks' climate (温湿度): readings per stack (by hand, from a data logger's CSV, from a sensor), the sensors
and their tokens, the limits per stack (JGJ 25-2010 defaults for paper), the excursions found against them, and the
pre-aggregated hourly summaries every chart and report reads (docs/development/conservation.md, "Part
environment")."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .locations import Location

# JGJ 25-2010 《档案馆建筑设计规范》, paper records' stacks: 14–24 °C, 45–60 % RH, daily swing ≤ 2 °C and ≤ 5 % RH.
DEFAULT_LIMITS = {
    "temperature_min": 14.0,
    "temperature_max": 24.0,
    "humidity_min": 45.0,
    "humidity_max": 60.0,
    "temperature_swing": 2.0,
    "humidity_swing": 5.0,
}


class ReadingSource(models.TextChoices):
    MANUAL = "manual", _("手工录入")
    LOGGER = "logger", _("记录仪导入")
    SENSOR = "sensor", _("传感器")


class ExcursionKind(models.TextChoices):
    TOO_HOT = "too_hot", _("温度过高")
    TOO_COLD = "too_cold", _("温度过低")
    TOO_HUMID = "too_humid", _("湿度过高")
    TOO_DRY = "too_dry", _("湿度过低")
    TEMPERATURE_SWING = "temperature_swing", _("温度日较差超限")
    HUMIDITY_SWING = "humidity_swing", _("湿度日较差超限")


class ClimateLimits(models.Model):
    """A stack's limits; a stack without a row has the JGJ 25-2010 defaults (``DEFAULT_LIMITS``)."""

    stack = models.OneToOneField(
        Location, on_delete=models.CASCADE, related_name="climate_limits", verbose_name=_("库房")
    )
    temperature_min = models.FloatField(_("温度下限（°C）"), default=DEFAULT_LIMITS["temperature_min"])
    temperature_max = models.FloatField(_("温度上限（°C）"), default=DEFAULT_LIMITS["temperature_max"])
    humidity_min = models.FloatField(_("相对湿度下限（%）"), default=DEFAULT_LIMITS["humidity_min"])
    humidity_max = models.FloatField(_("相对湿度上限（%）"), default=DEFAULT_LIMITS["humidity_max"])
    temperature_swing = models.FloatField(_("温度日较差上限（°C）"), default=DEFAULT_LIMITS["temperature_swing"])
    humidity_swing = models.FloatField(_("湿度日较差上限（%）"), default=DEFAULT_LIMITS["humidity_swing"])
    updated = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("温湿度限值")
        verbose_name_plural = _("温湿度限值")

    def __str__(self) -> str:
        return f"{self.stack_id}: {self.temperature_min:g}–{self.temperature_max:g} °C"

    def as_dict(self) -> dict[str, float]:
        return {key: float(getattr(self, key)) for key in DEFAULT_LIMITS}


class Sensor(models.Model):
    """A sensor that posts its stack's readings to the API with a token of its own; only its SHA-256 is stored (as
    core.APIToken)."""

    stack = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="sensors", verbose_name=_("库房"))
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("令牌前缀"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_seen = models.DateTimeField(_("最近上报"), null=True, blank=True)

    class Meta:
        verbose_name = _("温湿度传感器")
        verbose_name_plural = _("温湿度传感器")
        constraints = [models.UniqueConstraint(fields=["stack", "name"], name="conservation_sensor_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "dgs_" + secrets.token_urlsafe(32)


class Reading(models.Model):
    """One reading of a stack's temperature (°C) and relative humidity (% RH) at ``taken_at``."""

    # No index of its own on ``stack`` or ``sensor``: (stack, taken_at) serves the stack (one index less per reading
    # written, and the planner cannot pick a stack-only scan for a time range); the sensor's is partial (logger and
    # manual readings have none).
    stack = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="readings", verbose_name=_("库房"), db_index=False
    )
    taken_at = models.DateTimeField(_("时间"))
    temperature = models.FloatField(_("温度（°C）"))
    humidity = models.FloatField(_("相对湿度（%）"))
    source = models.CharField(_("来源"), max_length=8, choices=ReadingSource.choices)
    sensor = models.ForeignKey(
        Sensor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("温湿度读数")
        verbose_name_plural = _("温湿度读数")
        indexes = [
            models.Index(fields=["stack", "taken_at"], name="conservation_reading_time"),
            models.Index(
                fields=["sensor"], name="conservation_reading_sensor", condition=models.Q(sensor__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stack_id}@{self.taken_at:%Y-%m-%d %H:%M}: {self.temperature:g} °C {self.humidity:g} %"


class HourlySummary(models.Model):
    """A stack's readings of one hour (``hour``: its start, UTC), kept by every write path: the count, min, max and
    sum of each (the mean is sum / count). Charts and reports read these, never the raw readings."""

    # (stack, hour), the unique constraint's index, serves the stack: no index of its own
    stack = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="+", verbose_name=_("库房"), db_index=False
    )
    hour = models.DateTimeField(_("小时"))
    count = models.PositiveIntegerField(_("读数个数"))
    temperature_min = models.FloatField()
    temperature_max = models.FloatField()
    temperature_sum = models.FloatField()
    humidity_min = models.FloatField()
    humidity_max = models.FloatField()
    humidity_sum = models.FloatField()

    class Meta:
        verbose_name = _("温湿度小时汇总")
        verbose_name_plural = _("温湿度小时汇总")
        constraints = [models.UniqueConstraint(fields=["stack", "hour"], name="conservation_hourly_stack_hour")]

    def __str__(self) -> str:
        return f"{self.stack_id}@{self.hour:%Y-%m-%d %H}h ({self.count})"


class MonthlySeries(models.Model):
    """A stack's month as its chart draws it (min/max/mean per hour), kept by every write path beside the hourly
    summaries, so that the month's chart is one row read (actions/environment.py, ``month_series``). ``month``:
    the first day of the month in ``time_zone`` (the local month the chart shows; a row made for another time zone
    is rebuilt on reading). ``payload``: the hours' labels and values, packed (``_pack_series``)."""

    stack = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="+", verbose_name=_("库房"), db_index=False
    )
    month = models.DateField(_("月份"))
    time_zone = models.CharField(_("时区"), max_length=64)
    hours = models.PositiveIntegerField(_("小时数"))
    payload = models.BinaryField()

    class Meta:
        verbose_name = _("温湿度月序列")
        verbose_name_plural = _("温湿度月序列")
        constraints = [models.UniqueConstraint(fields=["stack", "month"], name="conservation_series_stack_month")]

    def __str__(self) -> str:
        return f"{self.stack_id}@{self.month:%Y-%m} ({self.hours} h)"


class Excursion(models.Model):
    """A time a stack left its limits: ``kind`` what, from ``started_at`` (the first reading outside) to
    ``ended_at`` (the first reading back inside; blank while it lasts), ``worst`` the worst value seen (for a daily
    swing: the day's swing, the excursion spanning that day). Alerted once by e-mail (``notified_at``),
    acknowledged in the workspace."""

    stack = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="excursions", verbose_name=_("库房"))
    kind = models.CharField(_("类型"), max_length=20, choices=ExcursionKind.choices)
    started_at = models.DateTimeField(_("开始"))
    ended_at = models.DateTimeField(_("结束"), null=True, blank=True)
    worst = models.FloatField(_("最不利值"))
    limit = models.FloatField(_("限值"))
    notified_at = models.DateTimeField(_("邮件通知时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("温湿度超限")
        verbose_name_plural = _("温湿度超限")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["stack", "started_at"], name="conservation_excursion_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["stack", "kind"], condition=models.Q(ended_at__isnull=True), name="conservation_excursion_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.stack_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def unit(self) -> str:
        return "°C" if self.kind in ("too_hot", "too_cold", "temperature_swing") else "%"
