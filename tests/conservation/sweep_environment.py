"""Sweep declarations of the conservation app's environment part (gathered by tests/conservation/sweep.py): the
climate pages are read with CONSERVATION_VIEW (archivists, the conservator, the head of conservation); readings,
uploads and acknowledging alerts need CONSERVATION_WORK (the conservation staff); limits and sensors
CONSERVATION_MANAGE (the head of conservation). The sensors' endpoint takes only a sensor's token: 401 for every
account and session."""

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder

VIEW = expect(403, archivists=200, conservators=200)
WORK = expect(403, conservators=200)
WORKED = expect(403, conservators=302)
MANAGE = expect(403, conservation_head=200)
MANAGED = expect(403, conservation_head=302)
API_VIEW = expect(403, archivists=200, conservators=200)
SENSOR_ONLY = expect(401, reader=401)


def _build(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from dangan.conservation.choices import LocationKind
    from dangan.conservation.models import Excursion, Location, Sensor

    stack = Location.objects.create(kind=LocationKind.STACK, code="SWEEP-ENV", full_code="SWEEP-ENV", name="温湿度库房")
    now = timezone.now()
    excursion = Excursion.objects.create(
        stack=stack, kind="too_hot", started_at=now - timedelta(hours=2), ended_at=now, worst=26.0, limit=24.0
    )
    world.objects["environment.stack"] = stack.code
    world.objects["environment.excursion"] = excursion.pk
    sensor = Sensor.objects.create(stack=stack, name="巡检传感器", prefix="sweep000", key_hash=Sensor.hash_key("sweep"))
    world.objects["environment.sensor"] = sensor.pk


register_builder("environment", _build)

STACK = "@environment.stack"
READING = {"taken_at": "2026-03-02T10:00", "temperature": "18.5", "humidity": "52"}
PAGES = [
    Page("conservation:environment", VIEW),
    Page("conservation:environment_stack", VIEW, code=STACK),
    Page("conservation:environment_chart", VIEW, code=STACK),
    Page("conservation:environment_reading_add", WORKED, code=STACK, method="POST", data=READING),
    Page("conservation:environment_import", WORK, code=STACK),
    Page("conservation:environment_import", WORK, code=STACK, method="POST", data={}),
    Page("conservation:environment_limits", MANAGE, code=STACK),
    Page("conservation:environment_sensors", MANAGE, code=STACK),
    Page(
        "conservation:environment_sensor_active",
        MANAGED,
        code=STACK,
        pk="@environment.sensor",
        method="POST",
        data={"active": "0"},
    ),
    Page("conservation:environment_acknowledge", WORKED, pk="@environment.excursion", method="POST", data={}),
]
ENDPOINTS = [
    Api("GET /api/conservation/stacks/{code}/environment", API_VIEW, code=STACK, query={"month": "2026-03"}),
    Api(
        "POST /api/conservation/sensors/readings",
        SENSOR_ONLY,
        data={"time": "2026-03-02T08:00:00+08:00", "temperature": 18.5, "humidity": 52},
    ),
]
EXCLUDED: dict[str, str] = {}
