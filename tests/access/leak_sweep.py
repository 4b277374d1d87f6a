"""The leak sweep of the public side (issue #15): a catalog holding every combination of 密级 and 开放状态 (and nested
units whose parent and child disagree), crawled anonymously and as a reader with one grant. Every public route the
site has is found by walking the URL resolver (all but /manage/ and the API) and the OpenAPI description (every
GET operation), filled with every unit's UUID, the fonds code and each unit's IIIF image id, and then every link
the HTML pages and the sitemap show is followed (same site, not /manage/) up to a bound. For each answer:

- nothing of a unit hidden from the visitor appears: its title, 档号, UUID, IIIF image id or OCR words (in the
  body, HTML-unescaped and tag-stripped, JSON-unescaped, URL-decoded, and in the Location and Link headers);
- a search answer (JSON with ``total`` and ``facets``) counts exactly the units the visitor may see, per facet
  value too — counted here from the matrix, not through ``catalog.policy``;
- a hidden unit answers exactly like a missing one: same status, same body once the identifiers are blanked;
- nothing answers 500.

``tests/access/test_leak_sweep.py`` runs it on the site and on a site with a deliberately leaking page. See
docs/development/access-leak-sweep.md.
"""

from __future__ import annotations

import contextlib
import html
import io
import itertools
import json
import re
import uuid as uuid_module
import zipfile
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit

from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from dangan.catalog.choices import Openness, UnitLevel
from dangan.core.actors import CONSOLE
from dangan.core.choices import SecurityClassification

# ---------------------------------------------------------------- the catalog: every 密级 × every 开放状态

# Distinct two-character stems (the sexagenary cycle): "泄检" + stem opens each title, "泄文" + stem is each unit's OCR
# word; as no title holds "泄检" twice, none is part of another, and the same for the OCR words.
STEMS = [a + b for a, b in zip("甲乙丙丁戊己庚辛壬癸" * 6, "子丑寅卯辰巳午未申酉戌亥" * 5, strict=False)]
TITLE_STEM = "泄检"
OCR_STEM = "泄文"
MISSING_UUID = "00000000-0000-4000-8000-0000000000ff"
MISSING_CODE = "Z999"
MISSING_REFERENCE = "Z109-WS·1900-Y-BGS-9999"
BLANK = "«id»"


@dataclass
class Unit:
    """One unit of the matrix as this sweep knows it (its facts copied at creation: the sweep counts from these,
    never through the policy)."""

    key: str
    pk: int
    uuid: str
    title: str
    reference_code: str
    ocr_word: str
    classification: str
    openness: str
    level: str
    year: int
    image_ids: list[str] = field(default_factory=list)

    def markers(self) -> list[str]:
        """What must not appear where this unit is hidden."""
        return [m for m in (self.title, self.reference_code, self.uuid, self.ocr_word, *self.image_ids) if m]


@dataclass
class Catalog:
    fonds_code: str
    units: list[Unit]

    def unit(self, key: str) -> Unit:
        return next(u for u in self.units if u.key == key)


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices)[value])


def build_catalog(tmp_path: Path, fonds: Any, categories: Any) -> Catalog:
    """The 15 件 of the matrix (5 密级 × 3 开放状态, each with one digitized page and its OCR text) and three nested
    pairs: a 控制 案卷 holding an 开放 件, an 开放 案卷 holding a 控制 件, and a 秘密 开放 案卷 holding a 公开 开放 件."""
    from dangan.catalog.actions.units import do_create_unit
    from dangan.digitization.models import PageText
    from dangan.digitization.ocr import Box, Glyph, PageResult, TextLine, to_alto
    from dangan.preservation.iiif import image_id
    from dangan.search.sync import index_units
    from tests.digitization.iiif.pages import draw_pages, preserve_masters

    stems = iter(STEMS)
    public = SecurityClassification.PUBLIC
    plan: list[tuple[str, str, str, str | None, str]] = [
        (f"{c}-{o}", c, o, None, UnitLevel.ITEM)
        for c, o in itertools.product(SecurityClassification.values, Openness.values)
    ]
    plan += [
        ("series-controlled", public, Openness.CONTROLLED, None, UnitLevel.SERIES),
        ("open-in-controlled", public, Openness.OPEN, "series-controlled", UnitLevel.ITEM),
        ("series-open", public, Openness.OPEN, None, UnitLevel.SERIES),
        ("controlled-in-open", public, Openness.CONTROLLED, "series-open", UnitLevel.ITEM),
        ("series-secret", SecurityClassification.SECRET, Openness.OPEN, None, UnitLevel.SERIES),
        ("open-in-secret", public, Openness.OPEN, "series-secret", UnitLevel.ITEM),
    ]
    created: dict[str, Any] = {}
    units: list[Unit] = []
    for n, (key, classification, openness, parent, level) in enumerate(plan):
        stem = next(stems)
        kind = "案卷" if level == UnitLevel.SERIES else "文件"
        title = f"{TITLE_STEM}{stem}{kind}{_label(SecurityClassification, classification)}{_label(Openness, openness)}"
        data: dict[str, Any] = {"title": title, "classification": classification, "openness": openness}
        year = 1990 + n  # each its own year: the year facet counts each
        if level == UnitLevel.SERIES:
            data.update(level=UnitLevel.SERIES, year=year)
        else:
            data.update(
                category=categories["WS"],
                year=year,
                retention="Y",
                organization="BGS",
                responsible="贵州省扶贫开发办公室",
                page_count=1,
            )
        unit = do_create_unit(CONSOLE, fonds, data, parent=created[parent] if parent else None)
        created[key] = unit
        package = preserve_masters(unit, draw_pages(tmp_path / f"leak-scans-{n}", [(60, 80)]))
        master = package.files.get(logical_path="content/masters/0001.png")
        ocr_word = f"{OCR_STEM}{stem}"
        box = Box(4, 4, 40, 10)
        line = TextLine("line-1", ocr_word, box, [Glyph(c, box, 1.0) for c in ocr_word], False, 1.0)
        alto = to_alto(PageResult(60, 80, [line], False, "leak-sweep"), image_name="0001.png").decode()
        PageText.objects.create(
            unit=unit,
            page=1,
            master_path=master.logical_path,
            master_sha256=master.sha256,
            text=ocr_word,
            alto=alto,
            engine="leak-sweep",
        )
        unit.refresh_from_db()
        units.append(
            Unit(
                key,
                unit.pk,
                str(unit.uuid),
                title,
                unit.reference_code or "",
                ocr_word,
                classification,
                openness,
                level,
                year,
                [image_id(master)],
            )
        )
    index_units([u.pk for u in units])  # the OCR text, stored after each unit was indexed
    return Catalog(fonds.code, units)


# ---------------------------------------------------------------- who may see what (counted here, from the matrix)


@dataclass(frozen=True)
class Visitor:
    """A visitor of the crawl: the public, or a reader with the grants ``granted`` (unit keys)."""

    name: str
    user: Any = None  # None: anonymous
    granted: frozenset[str] = frozenset()

    def allowed(self, unit: Unit) -> bool:
        """The issue's rule, restated: 公开 and 开放; or 公开 and granted to this reader (a grant widens openness only)."""
        if unit.classification != SecurityClassification.PUBLIC:
            return False
        return unit.openness == Openness.OPEN or unit.key in self.granted


def expected_facets(units: list[Unit], fonds_code: str) -> dict[str, Counter[str]]:
    """The facet counts a search over exactly ``units`` must show (the facets whose values the matrix fixes)."""
    return {
        "classification": Counter(u.classification for u in units),
        "openness": Counter(u.openness for u in units),
        "level": Counter(u.level for u in units),
        "fonds": Counter(fonds_code for _ in units),
    }


# ---------------------------------------------------------------- the routes the site has


@dataclass(frozen=True)
class Request:
    url: str
    template: str  # the route (pattern or operation) it came from: hidden and missing answers are compared within
    unit: str = ""  # the key of the unit it names ("" none; "missing" the absent one)
    search: str | None = None  # the q of a search request, when the sweep checks its counts


def _walk(resolver: URLResolver, prefix: str, namespace: str | None) -> Iterator[tuple[str, URLPattern, str]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n) or None
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield name, entry, "/" + prefix + str(entry.pattern)


PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# IIIF Image API parameters (and any other fixed-vocabulary argument a public route may add).
FIXED = {"region": "full", "size": "max", "rotation": "0", "quality_format": "default.jpg", "format": "jpg"}
PRIVATE = ("/manage/", "/api/", "/i18n/", "/static/", "/media/")


def _candidates(converter: str, name: str, catalog: Catalog) -> list[tuple[str, Any]]:
    """(unit key or "", value) for one URL argument: every unit and a missing one for a unit's id, image id or 档号;
    the fonds and a missing one for any other text (a code); page 1 for a number."""
    if converter == "uuid" or name in {"uuid", "unit", "unit_id", "unit_uuid"}:
        return [*((u.key, u.uuid) for u in catalog.units), ("missing", MISSING_UUID)]
    if converter == "iiif_image" or name in {"identifier", "image_id"}:
        return [*((u.key, u.image_ids[0]) for u in catalog.units), ("missing", _missing_image())]
    if name in {"reference_code", "reference", "archival_code"}:
        return [*((u.key, u.reference_code) for u in catalog.units), ("missing", MISSING_REFERENCE)]
    if converter == "int":
        return [("", 1)]
    if name in FIXED:
        return [("", FIXED[name])]
    return [("", catalog.fonds_code), ("", MISSING_CODE)]


def page_requests(catalog: Catalog) -> list[Request]:
    """Every public URL pattern (anything not under /manage/, the API, the language switch or static files), filled
    with every combination of its arguments' candidates (one that names a unit also asked ``?q=`` the OCR words'
    stem, as a search inside it would be); a parameterless one also searched for the titles' and the
    OCR words' stems (?q=…), as a search page would be, and asked about each unit (?unit=…), as a form to request
    one would be."""
    found: list[Request] = []
    for name, _entry, pattern in _walk(get_resolver(), "", None):
        if pattern.startswith(PRIVATE):
            continue
        params = PARAM.findall(pattern)
        if "logout" in name:
            continue  # the reader stays signed in for the rest of the crawl
        if not params:
            url = reverse(name) if name else pattern
            found.append(Request(url, pattern))
            found += [Request(f"{url}?{urlencode({'q': q})}", pattern + "?q", search=q) for q in (TITLE_STEM, OCR_STEM)]
            # A form about a unit named in the query (/account/requests/new/?unit=…): each unit, and a missing one.
            found += [
                Request(f"{url}?unit={value}", pattern + "?unit", unit=key)
                for key, value in _candidates("uuid", "unit", catalog)
            ]
            continue
        if not name:
            continue  # an unnamed pattern with arguments cannot be reversed
        choices = [_candidates(converter or "str", arg, catalog) for converter, arg in params]
        for combination in itertools.product(*choices):
            kwargs = {arg: value for (_conv, arg), (_key, value) in zip(params, combination, strict=True)}
            unit = next((key for key, _value in combination if key), "")
            try:
                url = reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
            found.append(Request(url, pattern, unit=unit))
            if unit:  # a search inside the unit (IIIF Content Search …): its OCR words
                found.append(Request(f"{url}?{urlencode({'q': OCR_STEM})}", pattern + "?q", unit=unit))
    return found


def api_requests(catalog: Catalog) -> list[Request]:
    """Every GET operation of the OpenAPI description, path arguments filled like the pages', and each with a query
    argument that names a unit (parent, unit) filled with every unit; one with ``q`` also searched for both stems."""
    from dangan.api import api

    found: list[Request] = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        parameters = operation.get("parameters", [])
        in_path = [p for p in parameters if p.get("in") == "path"]
        in_query = {p["name"]: p for p in parameters if p.get("in") == "query"}
        choices = []
        for p in in_path:
            schema = p.get("schema", {})
            converter = "uuid" if schema.get("format") == "uuid" else "int" if schema.get("type") == "integer" else ""
            if converter == "uuid" and not any(w in p["name"] for w in ("unit", "uuid")):
                choices.append([("", MISSING_UUID)])  # another object's id (an authority, a transfer)
            else:
                choices.append(_candidates(converter or "str", p["name"], catalog))
        for combination in itertools.product(*choices):
            url = path
            for p, (_key, value) in zip(in_path, combination, strict=True):
                url = url.replace("{" + p["name"] + "}", str(value))
            unit = next((key for key, _value in combination if key), "")
            found.append(Request(url, path, unit=unit))
            if in_path:
                continue
            for name in ("parent", "unit", "unit_id"):
                if name in in_query:
                    found += [
                        Request(f"{url}?{name}={u.uuid}", f"{path}?{name}", unit=u.key) for u in catalog.units
                    ] + [Request(f"{url}?{name}={MISSING_UUID}", f"{path}?{name}", unit="missing")]
            if "q" in in_query:
                found += [
                    Request(f"{url}?{urlencode({'q': q})}", path + "?q", search=q) for q in (TITLE_STEM, OCR_STEM)
                ]
    return found


def seed_requests(catalog: Catalog) -> list[Request]:
    seeds = [Request(url, url) for url in ("/", "/sitemap.xml", "/robots.txt")]
    return [*seeds, *page_requests(catalog), *api_requests(catalog)]


# ---------------------------------------------------------------- reading an answer


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]
    content_type: str


def fetch(client: Client, url: str, headers: dict[str, str] | None = None) -> Answer:
    response = client.get(url, headers=headers)
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    names = ("Location", "Link", "Content-Disposition", "ETag", "Last-Modified")
    headers = {k: response[k] for k in names if response.has_header(k)}
    return Answer(response.status_code, _readable(content), headers, response.get("Content-Type", ""))


def _readable(content: bytes) -> str:
    """The answer as text to search for markers: a zip (an .xlsx export, a .zip of pages) by its members' text —
    compressed, a title inside would not be seen — without the workbook's creation time (docProps/core.xml), which
    differs between two downloads."""
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return "\n".join(
                    f"{name}: " + archive.read(name).decode("utf-8", "replace")
                    for name in sorted(archive.namelist())
                    if name != "docProps/core.xml"
                )
        except zipfile.BadZipFile:
            pass
    return content.decode("utf-8", "replace")


TAG = re.compile(r"<[^>]+>")


def readings(answer: Answer) -> list[str]:
    """The ways a marker could be written in an answer: as sent, HTML-unescaped with the tags taken out (a title
    split by highlighting), URL-decoded, JSON-decoded (\\u escapes), and the headers."""
    texts = [answer.body, html.unescape(TAG.sub("", answer.body)), unquote(answer.body), *answer.headers.values()]
    texts += [unquote(v) for v in answer.headers.values()]
    if "json" in answer.content_type:
        with contextlib.suppress(ValueError):
            texts.append(json.dumps(json.loads(answer.body), ensure_ascii=False))
    return texts


HREF = re.compile(r"""(?:href|src|action|data-[\w-]*url)\s*=\s*["']([^"'#]+)""", re.IGNORECASE)
LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>")


def links(answer: Answer, base: str) -> list[str]:
    """Same-site links of an HTML page or a sitemap, as paths with their query."""
    if "html" not in answer.content_type and "xml" not in answer.content_type:
        return []
    found = []
    # A sitemap names the site by its public address, whatever it is: each of its <loc> is this site's.
    raws = [(raw, False) for raw in HREF.findall(answer.body)] + [(raw, True) for raw in LOC.findall(answer.body)]
    for raw, ours in raws:
        parts = urlsplit(urljoin("http://testserver" + base, html.unescape(raw)))
        if parts.scheme not in ("http", "https", "") or (parts.netloc not in ("testserver", "") and not ours):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


RANDOM = re.compile(r"((?:csrfmiddlewaretoken|csrftoken|nonce)[\"']?\s*(?:value=|:|=)\s*[\"'])[\w+/=-]+", re.I)


def _blank(text: str, values: list[str]) -> str:
    for value in values:
        if value:
            text = text.replace(value, BLANK).replace(value.replace("-", ""), BLANK)
    text = RANDOM.sub(r"\1", text)  # a CSRF token or a nonce differs in every answer
    return re.sub(r'"took_ms":\s*[\d.]+', '"took_ms": 0', text)


# ---------------------------------------------------------------- the crawl


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    searches_checked: int = 0
    compared: int = 0
    followed: list[str] = field(default_factory=list)  # "visitor: GET url" of each link followed
    # (visitor, unit key) → the requests whose answers showed that unit's title, with their validators (ETag …).
    showing: dict[tuple[str, str], list[tuple[Request, dict[str, str]]]] = field(default_factory=dict)

    def add(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)


# Links followed per visitor beyond the seeds (every seed is always requested): the bound of the crawl.
FOLLOW_FROM_LINKS = 400


def _seen_by(visitor: Visitor, catalog: Catalog) -> tuple[list[Unit], list[tuple[Unit, str]]]:
    """The units ``visitor`` may see, and the markers of those they may not (a marker that a visible unit's own text
    holds — a 案卷's 档号 opening its 件's — proves nothing, and is left out)."""
    allowed = [u for u in catalog.units if visitor.allowed(u)]
    allowed_text = " ".join(m for u in allowed for m in u.markers())
    markers = [(u, m) for u in catalog.units if not visitor.allowed(u) for m in u.markers() if m not in allowed_text]
    return allowed, markers


def _inspect(
    visitor: Visitor,
    client: Client,
    request: Request,
    answer: Answer,
    catalog: Catalog,
    report: Report,
) -> bool:
    """Check one answer (no 500, no hidden marker, a search's counts); False when it answered 500."""
    allowed, markers = _seen_by(visitor, catalog)
    report.requests += 1
    report.statuses[answer.status] += 1
    where = f"{visitor.name}: GET {request.url}"
    if answer.status >= 500:
        report.add(f"{where} answered {answer.status}")
        return False
    if visitor.user is not None and "_auth_user_id" not in client.session:
        report.add(f"{where} signed the visitor out: the rest of the crawl would be the public's")
        client.force_login(visitor.user)
    texts = readings(answer)
    asked = unquote(request.url)
    for unit, marker in markers:
        if marker in asked:
            continue  # the URL's own argument, echoed (a sign-in redirect's next=, a 404 naming the path)
        if any(marker in text for text in texts):
            report.add(f"{where} shows “{marker}” of the hidden unit {unit.key} ({unit.title})")
    if request.search is not None:
        _check_search(visitor, request, answer, allowed, catalog, report, where)
    # Which visible units this answer shows (by title), and how it may be asked again conditionally.
    validators = {
        header: answer.headers[source]
        for source, header in (("ETag", "If-None-Match"), ("Last-Modified", "If-Modified-Since"))
        if source in answer.headers
    }
    for unit in allowed:
        if any(unit.title in text for text in texts):
            report.showing.setdefault((visitor.name, unit.key), []).append((request, validators))
    return True


def crawl(visitor: Visitor, client: Client, catalog: Catalog, report: Report) -> None:
    """Request every seed and the links they show as ``visitor``, and check each answer."""
    units = {u.key: u for u in catalog.units}
    queue: deque[Request] = deque(seed_requests(catalog))
    seen = {r.url for r in queue}
    followed = 0
    by_template: dict[str, dict[str, tuple[Answer, str]]] = {}
    while queue:
        request = queue.popleft()
        answer = fetch(client, request.url)
        if not _inspect(visitor, client, request, answer, catalog, report):
            continue
        if request.unit:
            by_template.setdefault(request.template, {})[request.unit] = (answer, request.url)
        for link in links(answer, request.url):
            if link in seen or link.startswith(PRIVATE) or "logout" in link or followed >= FOLLOW_FROM_LINKS:
                continue
            seen.add(link)
            followed += 1
            report.followed.append(f"{visitor.name}: GET {link}")
            queue.append(Request(link, "(link)", search=_query_of(link)))
    for template, answers in by_template.items():
        if "missing" not in answers:
            continue
        missing, missing_url = answers["missing"]
        for key, (answer, url) in answers.items():
            if key == "missing" or visitor.allowed(units[key]):
                continue
            report.compared += 1
            unit = units[key]
            if answer.status != missing.status:
                report.add(
                    f"{visitor.name}: GET {url} (hidden {key}) answered {answer.status}, a missing unit "
                    f"{missing.status} ({template})"
                )
                continue
            mine = _blank(answer.body, [*unit.image_ids, unit.uuid, unit.reference_code])
            theirs = _blank(missing.body, [_missing_image(), MISSING_UUID, MISSING_REFERENCE])
            if mine != theirs:
                at = next((i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b), 0)
                report.add(
                    f"{visitor.name}: GET {url} (hidden {key}) answers otherwise than a missing unit ({missing_url}): "
                    f"…{mine[max(0, at - 40) : at + 40]!r}… against …{theirs[max(0, at - 40) : at + 40]!r}…"
                )


def _missing_image() -> str:
    return uuid_module.UUID(MISSING_UUID).hex + "-" + "0" * 24


def _query_of(link: str) -> str | None:
    """The q of a followed link to a search, checked like the seeds' (None when it has other arguments: a facet
    chosen, a page further on)."""
    query = dict(parse_qsl(urlsplit(link).query))
    return query["q"] if set(query) == {"q"} and query["q"] in (TITLE_STEM, OCR_STEM) else None


HTML_TOTAL = re.compile(r"共\s*(\d+)\s*[条件个项]")
HTML_RESULTS = re.compile(r"(\d+)\s+results?\b", re.I)


def _check_search(
    visitor: Visitor,
    request: Request,
    answer: Answer,
    allowed: list[Unit],
    catalog: Catalog,
    report: Report,
    where: str,
) -> None:
    """A search answer in JSON (``total`` and ``facets``) counts exactly the visible units the query finds: every
    visible title holds the title stem; every visible unit's OCR text the OCR stem (the reader's grant includes the
    files)."""
    if answer.status != 200:
        return
    if "html" in answer.content_type:
        # A page's total, where it says it as "共 N 条" (件, 个, 项) or "N results": never more than the policy allows.
        text = html.unescape(TAG.sub("", answer.body))
        for said in [*HTML_TOTAL.findall(text), *HTML_RESULTS.findall(text)]:
            report.searches_checked += 1
            if int(said) > len(allowed):
                report.add(f"{where}: says {said} found, the policy allows {len(allowed)}")
        return
    if "json" not in answer.content_type:
        return
    try:
        data = json.loads(answer.body)
    except ValueError:
        return
    if not isinstance(data, dict) or "total" not in data:
        return
    report.searches_checked += 1
    facets = data.get("facets")
    if not isinstance(facets, dict):
        # A list that takes ?q= but is no unit search (a reader's own requests): never more than the policy allows.
        if data["total"] > len(allowed):
            report.add(f"{where}: total {data['total']}, the policy allows {len(allowed)}")
        return
    if data["total"] != len(allowed):
        report.add(f"{where}: total {data['total']}, the policy allows {len(allowed)}")
    for name, expected in expected_facets(allowed, catalog.fonds_code).items():
        if name not in facets:
            continue
        shown = Counter({str(f["value"]): f["count"] for f in facets[name] if f.get("count")})
        if shown != expected:
            report.add(f"{where}: facet {name} counts {dict(shown)}, the policy allows {dict(expected)}")
    # Years come as spans ("1990-1999") or single years: each counts the visible units of its years.
    for bucket in facets.get("year", []):
        first, _, last = str(bucket["value"]).partition("-")
        if not first.isdigit() or not (last or first).isdigit():
            continue
        count = sum(1 for u in allowed if int(first) <= u.year <= int(last or first))
        if bucket.get("count") != count:
            report.add(f"{where}: year {bucket['value']} counts {bucket.get('count')}, the policy allows {count}")
    if sum(b.get("count", 0) for b in facets.get("year", [])) not in (0, len(allowed)):
        report.add(f"{where}: the year facet counts units the policy hides")


def leak_sweep(catalog: Catalog, visitors: list[tuple[Visitor, Client]]) -> Report:
    report = Report()
    for visitor, client in visitors:
        crawl(visitor, client, catalog, report)
    return report


def recheck_withdrawn(catalog: Catalog, unit_key: str, visitors: list[tuple[Visitor, Client]], report: Report) -> int:
    """After ``unit_key`` was withdrawn from the public (the caller changed it, and its ``Unit`` here), ask again every
    URL whose answer showed it — conditionally, with the validators that answer gave — and check the answers as the
    crawl did: it must be gone at once (no 304 Not Modified, no stale copy, counts without it). Returns the number of
    URLs asked again."""
    asked = 0
    for visitor, client in visitors:
        for request, validators in list(report.showing.get((visitor.name, unit_key), [])):
            answer = fetch(client, request.url, validators)
            asked += 1
            if answer.status == 304:
                report.add(
                    f"{visitor.name}: GET {request.url} answered 304 Not Modified to {validators}, though the unit "
                    f"{unit_key} it showed was withdrawn"
                )
                continue
            _inspect(visitor, client, request, answer, catalog, report)
    return asked
