"""The environment part's REST operations (on the conservation router, under /api/conservation/):

- ``POST /api/conservation/sensors/readings`` — a sensor posts one reading or a batch with ``Authorization: Bearer
  <sensor token>`` (the token of a sensor added on its stack's sensors page, not an account's): ``{"time": …,
  "temperature": …, "humidity": …}`` or ``{"readings": [{…}, …]}``, optionally ``"stack": CODE`` — a token only
  writes its own stack (403 for another). 401 without a valid sensor token.
- ``GET /api/conservation/stacks/{code}/environment?month=YYYY-MM`` — the month report (the same JSON as ``dangan
  conservation env report --json``), CONSERVATION_VIEW."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.security import HttpBearer

from dangan.conservation.actions import environment as actions
from dangan.conservation.models import Sensor
from dangan.core.api import ERROR_RESPONSES, ActionRouter, require_capability
from dangan.core.roles import Capability

router = ActionRouter(tags=["保管保护 conservation"])


class SensorAuth(HttpBearer):
    """A sensor's own token (``Sensor.key_hash``); accounts' tokens and sessions are not sensors."""

    openapi_security_schema = {  # type: ignore[assignment]
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer <传感器令牌>",
    }

    def authenticate(self, request: HttpRequest, token: str) -> Sensor | None:
        return actions.sensor_for_key(token)


class ReadingIn(Schema):
    time: datetime = Field(description="读数时间（ISO 8601；不带时区时按本馆时区）")
    temperature: float = Field(description="温度 °C")
    humidity: float = Field(description="相对湿度 %")


class SensorPostIn(Schema):
    stack: str = Field("", description="库房代码（可省略；给出时须为令牌所属库房）")
    time: datetime | None = None
    temperature: float | None = None
    humidity: float | None = None
    readings: list[ReadingIn] = Field(default_factory=list, max_length=10000, description="一批读数")


class SensorPostOut(Schema):
    stack: str
    accepted: int
    excursions: int = Field(description="新产生的超限条数")


@router.post(
    "/conservation/sensors/readings",
    auth=SensorAuth(),
    response={200: SensorPostOut, **ERROR_RESPONSES},
    summary="传感器上报温湿度读数",
)
def sensor_readings(request: HttpRequest, payload: SensorPostIn) -> Any:
    sensor: Sensor = request.auth  # type: ignore[attr-defined]
    rows = [(r.time, r.temperature, r.humidity) for r in payload.readings]
    if payload.time is not None or payload.temperature is not None or payload.humidity is not None:
        if payload.time is None or payload.temperature is None or payload.humidity is None:
            raise ValidationError({"readings": _("单条读数须同时给出 time、temperature 与 humidity")})
        rows.insert(0, (payload.time, payload.temperature, payload.humidity))
    created = actions.do_sensor_readings(sensor, rows, payload.stack)
    return {"stack": sensor.stack.code, "accepted": len(rows), "excursions": created}


@router.get(
    "/conservation/stacks/{code}/environment",
    response={200: dict[str, Any], **ERROR_RESPONSES},
    summary="库房某月的温湿度报告",
)
def stack_report(request: HttpRequest, code: str, month: str) -> Any:
    require_capability(request, Capability.CONSERVATION_VIEW)
    match = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError({"month": _("月份应为 YYYY-MM")})
    stack = actions.stack_by_code(code)
    if stack is None:
        raise Http404(_("没有这个库房"))
    return actions.month_report(stack, int(match.group(1)), int(match.group(2)))
