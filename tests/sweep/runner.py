"""Running the sweep: every route the site has (the URL resolver and the OpenAPI description), the declarations
of every app (``tests/<app>/sweep.py``), and one request per route and role, each rolled back so that every request
sees the same world."""

from __future__ import annotations

import importlib
import json
import traceback
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .registry import LOGIN, ROLES, Route
from .world import World

TESTS = Path(__file__).resolve().parents[1]
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


# ---------------------------------------------------------------- what the site has


def _walk(resolver: URLResolver, prefix: str, namespace: str | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n) or None
            found.update(_walk(entry, prefix + str(entry.pattern), inner))
        elif isinstance(entry, URLPattern):
            # The API's operations are swept by method and path from the OpenAPI description (api_routes).
            if "PathView" in getattr(entry.callback, "__qualname__", ""):
                continue
            route = "/" + prefix + str(entry.pattern)
            key = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or route
            found[key] = route
    return found


def page_routes() -> dict[str, str]:
    """{key: URL pattern} for every page: "namespace:name", or the pattern itself when it has no name."""
    return _walk(get_resolver(), "", None)


def api_routes() -> set[str]:
    """Every API operation as "METHOD /api/path" (the OpenAPI description's own words)."""
    from dangan.api import api

    paths = api.get_openapi_schema()["paths"]
    return {
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method in operations
        if method in HTTP_METHODS
    }


# ---------------------------------------------------------------- what the apps declare


@dataclass
class Declarations:
    module: str
    routes: list[Route]
    excluded: dict[str, str]


def declaration_modules() -> list[str]:
    """``tests.<app>.sweep`` for every app folder with a sweep.py, and the site-wide ``tests.sweep.site``."""
    found = sorted(f"tests.{p.parent.name}.sweep" for p in TESTS.glob("*/sweep.py"))
    return [*found, "tests.sweep.site"]


def declarations(module_name: str) -> Declarations:
    module: ModuleType = importlib.import_module(module_name)
    routes = [*getattr(module, "PAGES", []), *getattr(module, "ENDPOINTS", [])]
    return Declarations(module_name, routes, dict(getattr(module, "EXCLUDED", {})))


def all_declarations() -> list[Declarations]:
    return [declarations(name) for name in declaration_modules()]


def coverage_problems(found: list[Declarations]) -> list[str]:
    """Routes the site has that no declaration sweeps or excludes (with a reason), and declarations of routes the
    site does not have."""
    existing = set(page_routes()) | api_routes()
    declared: dict[str, str] = {}
    problems = []
    for declaration in found:
        for route in declaration.routes:
            declared.setdefault(route.key, declaration.module)
        for key, reason in declaration.excluded.items():
            if not reason.strip():
                problems.append(f"{declaration.module}: {key} is excluded without a reason")
            declared.setdefault(key, declaration.module)
    problems += [
        f"{key}: neither swept nor excluded (declare it in tests/<app>/sweep.py)"
        for key in sorted(existing - set(declared))
    ]
    problems += [f"{declared[key]}: {key} is no route of the site" for key in sorted(set(declared) - existing)]
    return problems


# ---------------------------------------------------------------- requesting


@dataclass
class Answer:
    status: int
    location: str = ""
    body: str = ""
    error: str = ""


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    leaks: dict[str, list[str]] = field(default_factory=dict)  # route label → "role: what"
    requests: int = 0


def _resolve(values: dict[str, Any], world: World) -> dict[str, Any]:
    return {k: world[v] if isinstance(v, str) and v.startswith("@") else v for k, v in values.items()}


def url_of(route: Route, world: World) -> str:
    """The route's URL with its parameters filled from the world (a page without a name is its own pattern)."""
    params = _resolve(route.params, world)
    if route.is_api:
        url = route.key.partition(" ")[2].format(**params)
    elif route.key.startswith("/"):
        url = route.key
    else:
        url = reverse(route.key, kwargs=params or None)
    return f"{url}?{urlencode(_resolve(route.query, world))}" if route.query else url


def _read(response: Any) -> str:
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return content.decode("utf-8", errors="replace")


def request(client: Client, route: Route, url: str, world: World) -> Answer:
    """One request, rolled back afterwards (the signed-in session too); an exception is a 500 with its
    traceback."""
    body: Any = route.data(world) if callable(route.data) else route.data
    form = route.method == "POST" and (not route.is_api or route.content_type == "multipart/form-data")
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    try:
        with transaction.atomic():
            if route.method == "GET":
                response = client.get(url, headers=route.headers)
            elif form:
                response = client.post(url, body or {}, headers=route.headers)
            elif route.content_type is None:
                payload = json.dumps(body if body is not None else {})
                response = client.generic(route.method, url, payload, "application/json", headers=route.headers)
            else:
                response = client.generic(route.method, url, body or b"", route.content_type, headers=route.headers)
            transaction.set_rollback(True)
        return Answer(response.status_code, response.get("Location", ""), _read(response))
    except Exception:
        return Answer(500, error=traceback.format_exc(limit=-6))
    finally:
        # A sign-out (or a session rotated) must not carry over to the next request: its rows were rolled back.
        client.cookies = SimpleCookie(cookies)


def _matches(expected: Any, answer: Answer, login_url: str) -> bool:
    if expected == LOGIN:
        return answer.status == 302 and answer.location.startswith(login_url)
    return bool(answer.status == expected)


@dataclass(frozen=True)
class Marker:
    """Text that must not appear in an answer: a hidden unit's title (or its JSON escape), or its UUID."""

    text: str
    what: str
    is_id: bool  # the unit's UUID, not its title
    in_register: bool  # the unit is disposed of, and the register of disposals shows its record to this reader

    def allowed_on(self, route: Route, url: str) -> bool:
        """Whether ``route`` may show this marker: named in its own URL, a disposed-of unit's record on a route
        of the register, or an id on a route that names objects by id (the audit log)."""
        return (
            self.text in url or (route.shows_register and self.in_register) or (bool(route.names_by_id) and self.is_id)
        )


def hidden_markers(world: World, role: str) -> list[Marker]:
    """The text that must not appear for ``role``, for every unit the policy hides from it: its title, its UUID
    (a hidden unit's existence is not confirmed either) and its preserved package's (which names it: a fixity
    failure, a download); JSON's \\u escapes of a title too.

    One allowance: staff whose role does not read the catalog (the security administrator and auditor) may see a
    公开 unit named where their duties show it (the audit log); a classified one, never."""
    from dangan.catalog.models import ArchivalUnit
    from dangan.catalog.policy import can_view_catalog, can_view_unit, can_view_unit_record
    from dangan.core.choices import SecurityClassification
    from dangan.preservation.models import PreservedPackage

    user = world.user(role)
    named_in_duties = user.is_authenticated and not can_view_catalog(user)
    packages: dict[str, list[str]] = {}
    for unit_uuid, package_uuid in PreservedPackage.objects.values_list("unit_uuid", "uuid"):
        packages.setdefault(str(unit_uuid), []).append(str(package_uuid))
    markers: list[Marker] = []
    for unit in ArchivalUnit.objects.all():
        if named_in_duties and unit.classification == SecurityClassification.PUBLIC:
            continue
        if not can_view_unit(user, unit):
            what = f"hidden unit “{unit.title}” ({unit.get_classification_display()})"
            if unit.disposed:
                what += ", disposed of"
            in_register = unit.disposed and can_view_unit_record(user, unit)
            for text in dict.fromkeys((unit.title, json.dumps(unit.title)[1:-1])):
                markers.append(Marker(text, what, False, in_register))
            for uuid in (str(unit.uuid), *packages.get(str(unit.uuid), [])):
                markers.append(Marker(uuid, what, True, in_register))
    return markers


def sweep(routes: list[Route], world: World) -> Report:
    """Request every route as every role; the report lists each wrong outcome, 500 and leak."""
    report = Report()
    login_url = reverse("core:login")
    account_login_url = reverse("account:login")
    world["@fonds"]  # the units exist before anything is requested
    clients: dict[str, Client] = {}
    for role in ROLES:
        user = world.user(role)
        clients[role] = Client()
        if user.is_authenticated:
            clients[role].force_login(user)
    markers: dict[str, list[Marker]] = {}
    markers_of = -1  # the world's generation the markers were read in: read again once it grew
    for route in routes:
        for name in route.needs:
            world[name]
        url = url_of(route, world)
        for role in ROLES:
            expected = route.expected[role]
            answer = request(clients[role], route, url, world)
            report.requests += 1
            if markers_of != world.generation:  # the world grew (a route's needs, its data): what it hides too
                markers = {each: hidden_markers(world, each) for each in ROLES}
                markers_of = world.generation
            where = f"{route.method} {url} ({route.label()}) as {role}"
            if answer.status >= 500:
                report.problems.append(f"{where}: {answer.status}\n{answer.error}")
                continue
            # LOGIN is the sign-in page of the route's side: the readers' one for their pages under /account/.
            side_login = account_login_url if url.startswith("/account/") else login_url
            if not _matches(expected, answer, side_login):
                got = f"{answer.status} → {answer.location}" if answer.location else str(answer.status)
                report.problems.append(f"{where}: expected {expected}, got {got}")
            for marker in markers[role]:
                if marker.text and marker.text in answer.body and not marker.allowed_on(route, url):
                    report.leaks.setdefault(route.label(), []).append(f"{role}: {marker.what}")
                    break
    for route in routes:
        leaked = report.leaks.get(route.label())
        if leaked and not route.known_leak:
            report.problems += [f"{route.label()} shows as {who}" for who in leaked]
        elif route.known_leak and not leaked:
            report.problems.append(
                f"{route.label()}: the known leak ({route.known_leak}) no longer happens: remove known_leak"
            )
    return report
