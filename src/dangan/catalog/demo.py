"""`dangan demo`: a sample institution with three fonds of demo material, authority records and demo accounts.

Everything is written for the demonstration (see demo_data), marked 示例数据 (``is_sample``), loaded through the
actions like any other change, and generated from small vocabularies with fixed seeds: the same units every time.
Loading is idempotent: a fonds, authority record or account that already exists is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from dangan.catalog.actions.authorities import do_create_authority, do_link_authority
from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories, do_set_code_rule
from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.choices import (
    AuthorityRole,
    DatePrecision,
    Openness,
    SecurityClassification,
    UnitLevel,
)
from dangan.catalog.models import ArchivalUnit, Authority, Fonds, RecordCategory
from dangan.catalog.refcodes import DA_T_13
from dangan.core.actions.accounts import do_create_user
from dangan.core.actions.institution import do_ensure_institution
from dangan.core.actors import CONSOLE
from dangan.core.audit import log
from dangan.core.choices import Role
from dangan.core.models import Institution, User

from . import demo_data as data

DEMO_INSTITUTION = ("DEMO", "示例省档案馆")
Template = tuple[str, str, str, str, list[str], int, int]
_KIND_WORDS = {"fa": "发", "han": "函", "cheng": "呈"}


@dataclass
class ItemSpec:
    """One 件 to create: the description, and the authority records to link it to."""

    title: str
    date: dt.date
    retention: str
    responsible: str
    organization: str = ""
    document_number: str = ""
    precision: str = DatePrecision.DAY
    page_count: int = 1
    classification: str = SecurityClassification.PUBLIC
    openness: str = Openness.PENDING
    physical_location: str = ""
    subjects: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


@dataclass
class FondsResult:
    code: str
    name: str
    series: int = 0
    files: int = 0
    items: int = 0

    @property
    def units(self) -> int:
        return self.series + self.files + self.items


# Sample data of the apps above the catalog (which imports none of them): each registers a step in its hooks, run
# after the catalog's in the same transaction; a step returns its lines for the operator.
_DEMO_STEPS: list[Callable[[], list[str]]] = []


def register_demo_step(step: Callable[[], list[str]]) -> None:
    if step not in _DEMO_STEPS:
        _DEMO_STEPS.append(step)


def load_demo() -> list[str]:
    """Load the demo; return the lines to show the operator (one-time passwords included)."""
    with transaction.atomic():
        lines = _Loader().run()
        for step in _DEMO_STEPS:
            lines.extend(step())
        return lines


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


class _Loader:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.authorities: dict[str, Authority] = {}
        self.new_authorities = 0
        self.links = 0
        self.category: RecordCategory | None = None

    # ------------------------------------------------------------ the whole run

    def run(self) -> list[str]:
        institution = Institution.current()
        new_institution = institution is None
        if institution is None:
            institution = do_ensure_institution(CONSOLE, *DEMO_INSTITUTION, is_sample=True)
        self.lines.append(f"机构：{institution.name}（{institution.code}）{'，新建' if new_institution else ''}")
        do_ensure_default_categories(CONSOLE)
        self.category = RecordCategory.objects.get(code="WS")
        self._ensure_authorities()

        results: list[FondsResult] = []
        for spec, loader in (
            (data.RED_FONDS, self._load_red),
            (data.POVERTY_FONDS, self._load_poverty),
            (data.EPIDEMIC_FONDS, self._load_epidemic),
        ):
            if (fonds := self._create_fonds(spec)) is not None:
                result = FondsResult(fonds.code, fonds.name)
                loader(fonds, result)
                results.append(result)
                parts = [f"类别 {result.series}", f"案卷 {result.files}" if result.files else "", f"件 {result.items}"]
                self.lines.append(
                    f"全宗 {fonds.code} {fonds.name}：新建 {result.units} 条档案（{'、'.join(p for p in parts if p)}）"
                )
        if self.new_authorities or self.links:
            self.lines.append(f"规范档案：新建 {self.new_authorities} 条，与档案关联 {self.links} 处")
        else:
            self.lines.append("规范档案：均已存在")
        accounts = self._ensure_accounts()

        if new_institution or results or self.new_authorities or accounts:
            log(
                institution,
                "catalog.demo",
                CONSOLE,
                {
                    "fonds": {r.code: r.units for r in results},
                    "units": sum(r.units for r in results),
                    "authorities": self.new_authorities,
                    "links": self.links,
                    "accounts": accounts,
                },
            )
        else:
            self.lines.append("示例数据此前已加载，本次没有新建任何内容。")
        return self.lines

    # ------------------------------------------------------------ shared pieces

    def _ensure_authorities(self) -> None:
        for kind, name, variants, dates, description in data.AUTHORITIES:
            authority = Authority.objects.filter(kind=kind, name=name).first()
            if authority is None:
                authority = do_create_authority(
                    CONSOLE,
                    {
                        "kind": kind,
                        "name": name,
                        "variant_names": variants,
                        "dates": dates,
                        "description": f"{description}（示例规范档案）",
                    },
                    is_sample=True,
                )
                self.new_authorities += 1
            self.authorities[name] = authority

    def _create_fonds(self, spec: dict[str, Any]) -> Fonds | None:
        existing = Fonds.objects.filter(code__iexact=spec["code"]).first()
        if existing is not None:
            if existing.is_sample:
                self.lines.append(f"全宗 {existing.code} {existing.name}：已存在，跳过")
            else:
                self.lines.append(f"全宗号 {existing.code} 已被非示例全宗“{existing.name}”使用，跳过该示例全宗")
            return None
        fields = {k: v for k, v in spec.items() if k not in ("code", "name")}
        return do_create_fonds(CONSOLE, spec["code"], spec["name"], is_sample=True, **fields)

    def _unit(self, fonds: Fonds, parent: ArchivalUnit | None, values: dict[str, Any], **kwargs: Any) -> ArchivalUnit:
        values = {"category": self.category, "notes": data.SAMPLE_NOTE, **values}
        return do_create_unit(CONSOLE, fonds, values, parent=parent, is_sample=True, **kwargs)

    def _series(self, fonds: Fonds, year: int, result: FondsResult) -> ArchivalUnit:
        result.series += 1
        # Containers are 公开 so that anyone who may browse can reach the items they may see.
        return self._unit(
            fonds,
            None,
            {
                "level": UnitLevel.SERIES,
                "title": f"{year}年",
                "year": year,
                "classification": SecurityClassification.PUBLIC,
                "openness": Openness.OPEN,
            },
        )

    def _item(self, fonds: Fonds, parent: ArchivalUnit, spec: ItemSpec, result: FondsResult) -> ArchivalUnit:
        unit = self._unit(
            fonds,
            parent,
            {
                "level": UnitLevel.ITEM,
                "title": spec.title,
                "year": spec.date.year,
                "retention": spec.retention,
                "organization": spec.organization,
                "document_number": spec.document_number,
                "responsible": spec.responsible,
                "date": spec.date,
                "date_precision": spec.precision,
                "page_count": spec.page_count,
                "classification": spec.classification,
                "openness": spec.openness,
                "physical_location": spec.physical_location,
            },
            subjects=spec.subjects,
        )
        result.items += 1
        links = [(name, AuthorityRole.PLACE) for name in spec.places]
        links += [(name, AuthorityRole.SUBJECT) for name in spec.events]
        if author := data.ORG_ALIASES.get(spec.responsible):
            links.append((author, AuthorityRole.AUTHOR))
        for name, role in links:
            do_link_authority(CONSOLE, unit, self.authorities[name], role)
            self.links += 1
        return unit

    # ------------------------------------------------------------ X001: series → 案卷 → 件

    def _load_red(self, fonds: Fonds, result: FondsResult) -> None:
        do_set_code_rule(CONSOLE, DA_T_13, fonds=fonds)
        rng = random.Random("dangan-demo-X001")
        series: dict[int, ArchivalUnit] = {}
        for number, spec in enumerate(data.RED_FILES, start=1):
            year = spec["year"]
            if year not in series:
                series[year] = self._series(fonds, year, result)
            items = self._red_items(rng, spec, number)
            file = self._unit(
                fonds,
                series[year],
                {
                    "level": UnitLevel.FILE,
                    "title": spec["title"],
                    "year": year,
                    "retention": "Y",
                    "responsible": "、".join(spec["responsible"]),
                    "page_count": sum(i.page_count for i in items),
                    "extent": f"1卷 {len(items)}件",
                    "physical_location": f"示例库房 红色档案专库 {number:02d}号柜",
                    "classification": SecurityClassification.PUBLIC,
                    "openness": Openness.OPEN,
                },
                subjects=spec["subjects"],
            )
            result.files += 1
            for item in items:
                self._item(fonds, file, item, result)

    def _red_items(self, rng: random.Random, spec: dict[str, Any], number: int) -> list[ItemSpec]:
        start, end = (_date(d) for d in spec["range"])
        items = []
        for stem, fixed in spec["items"]:
            precision = DatePrecision.DAY
            if fixed:
                date = _date(fixed)
            else:
                date = _random_date(rng, start, end)
                if rng.random() < 0.2:  # undated originals, dated to the month from their content
                    date, precision = date.replace(day=1), DatePrecision.MONTH
            classification = SecurityClassification.PUBLIC if rng.random() < 0.8 else SecurityClassification.INTERNAL
            if classification == SecurityClassification.PUBLIC:
                openness = Openness.OPEN if rng.random() < 0.85 else Openness.PENDING
            else:
                openness = Openness.CONTROLLED
            short = any(word in stem for word in ("电报", "命令", "通知", "标语", "布告"))
            bodies = spec["responsible"]
            if any(word in stem for word in ("命令", "电报", "作战", "战斗")):
                # Orders and battle reports come from commands, not from political departments.
                bodies = [b for b in bodies if "政治部" not in b] or bodies
            responsible = rng.choice(bodies)
            items.append(
                ItemSpec(
                    title=f"{responsible}{stem}",
                    date=date,
                    precision=precision,
                    retention="Y",
                    responsible=responsible,
                    page_count=rng.randint(1, 4) if short else rng.randint(2, 16),
                    classification=classification,
                    openness=openness,
                    physical_location=f"示例库房 红色档案专库 {number:02d}号柜",
                    subjects=list(spec["subjects"]),
                    places=list(spec["places"]),
                    events=list(spec["events"]),
                )
            )
        items.sort(key=lambda i: i.date)
        return items

    # ------------------------------------------------------------ Z109 and Z120: year series → 件 (DA/T 22)

    def _load_poverty(self, fonds: Fonds, result: FondsResult) -> None:
        def describe(rng: random.Random, numbers: _Numbers, date: dt.date, template: Template) -> ItemSpec:
            text, org, kind, retention, subjects, _, _ = template
            year, county = date.year, rng.choice(data.POVERTY_COUNTIES)
            title = text.format(county=county, year=year, n=numbers.next(f"title:{text}", step=1))
            responsible, document_number = data.POVERTY_OFFICE, ""
            if kind in ("fa", "han", "cheng"):
                document_number = f"黔扶办{_KIND_WORDS[kind]}〔{year}〕{numbers.next(kind)}号"
            elif kind == "county":
                responsible = f"{county}人民政府"
                document_number = f"{county[0]}府呈〔{year}〕{numbers.next(county)}号"
            spec = self._modern_spec(rng, date, title, org, kind, retention, responsible, document_number)
            spec.subjects = list(dict.fromkeys(["脱贫攻坚", *subjects]))
            spec.events = ["脱贫攻坚", *(s for s in subjects if s == "易地扶贫搬迁")]
            return spec

        plan = _YearPlan("Z109", range(2015, 2021), data.POVERTY_TEMPLATES, data.POVERTY_PER_YEAR)
        plan.specials, plan.report_prefix = data.POVERTY_SPECIAL, "黔扶办呈"
        plan.office, plan.topic = data.POVERTY_OFFICE, "脱贫攻坚"
        self._load_years(fonds, result, plan, describe)

    def _load_epidemic(self, fonds: Fonds, result: FondsResult) -> None:
        def describe(rng: random.Random, numbers: _Numbers, date: dt.date, template: Template) -> ItemSpec:
            text, org, kind, retention, subjects, _, _ = template
            year, city = date.year, rng.choice(data.EPIDEMIC_CITIES)
            soon = [name for name, m, d in data.EPIDEMIC_HOLIDAYS if 0 <= (dt.date(year, m, d) - date).days <= 40]
            period = f"{soon[0]}期间" if soon else "近期"
            title = text.format(city=city, period=period, n=numbers.next(f"title:{text}", step=1))
            responsible, document_number = data.EPIDEMIC_OFFICE, ""
            if kind in ("fa", "cheng"):
                document_number = f"黔疫防{_KIND_WORDS[kind]}〔{year}〕{numbers.next(kind)}号"
            elif kind == "tonggao":
                document_number = f"黔疫防告〔{year}〕{numbers.next(kind, step=1)}号"
            elif kind == "city":
                responsible = f"{city}新冠肺炎疫情防控指挥部"
            spec = self._modern_spec(rng, date, title, org, kind, retention, responsible, document_number)
            spec.subjects = list(dict.fromkeys(["新冠肺炎疫情防控", *subjects]))
            spec.events = ["新冠肺炎疫情防控"]
            return spec

        plan = _YearPlan("Z120", range(2020, 2023), data.EPIDEMIC_TEMPLATES, data.EPIDEMIC_PER_YEAR)
        plan.first_date = _date(data.EPIDEMIC_FIRST_DATE)
        plan.specials, plan.report_prefix = data.EPIDEMIC_SPECIAL, "黔疫防呈"
        plan.office, plan.topic = data.EPIDEMIC_OFFICE, "新冠肺炎疫情防控"
        self._load_years(fonds, result, plan, describe)

    def _load_years(self, fonds: Fonds, result: FondsResult, plan: _YearPlan, describe: Any) -> None:
        """One series per year, holding ``plan.per_year`` items from the templates plus the year's special items.

        Dates are drawn first and the items described in date order, so 文号 and 期数 grow through the year.
        """
        for year in plan.years:
            rng = random.Random(f"dangan-demo-{plan.seed}-{year}")
            numbers = _Numbers(rng)
            slots: list[tuple[int, str, str, str, str] | None] = [None] * plan.per_year
            slots += [special for special in plan.specials if special[0] == year]
            rng.shuffle(slots)
            start = max(dt.date(year, 1, 1), plan.first_date or dt.date(year, 1, 1))
            dates = sorted(_random_date(rng, start, dt.date(year, 12, 31)) for _ in slots)
            templates = _rotation(rng, [t for t in plan.templates if t[5] <= year <= t[6]])
            titles: set[str] = set()
            specs: list[ItemSpec] = []
            for special, date in zip(slots, dates, strict=True):
                if special is None:
                    for _ in range(50):  # a second "关于开展2016年…的通知" in one year would not be believable
                        spec = describe(rng, numbers, date, next(templates))
                        if spec.title not in titles:
                            break
                else:
                    _, title, org, retention, classification = special
                    number = f"{plan.report_prefix}〔{year}〕{numbers.next('cheng')}号"
                    spec = self._modern_spec(rng, date, title, org, "cheng", retention, plan.office, number)
                    spec.subjects, spec.events = [plan.topic], [plan.topic]
                    spec.classification, spec.openness = classification, Openness.CONTROLLED
                titles.add(spec.title)
                specs.append(spec)
            self._year_items(fonds, year, specs, result)

    def _modern_spec(
        self,
        rng: random.Random,
        date: dt.date,
        title: str,
        org: str,
        kind: str,
        retention: str,
        responsible: str,
        document_number: str,
    ) -> ItemSpec:
        published = kind in ("fa", "tonggao", "han") and rng.random() < 0.5
        if kind == "tonggao" or published:
            classification = SecurityClassification.PUBLIC
            openness = Openness.OPEN if kind == "tonggao" or rng.random() < 0.6 else Openness.PENDING
        else:
            classification = SecurityClassification.INTERNAL
            openness = Openness.CONTROLLED if rng.random() < 0.5 else Openness.PENDING
        return ItemSpec(
            title=title,
            date=date,
            retention=retention,
            organization=org,
            responsible=responsible,
            document_number=document_number,
            page_count=rng.randint(1, 3) if kind in ("jianbao", "tonggao") else rng.randint(2, 24),
            classification=classification,
            openness=openness,
        )

    def _year_items(self, fonds: Fonds, year: int, specs: list[ItemSpec], result: FondsResult) -> None:
        series = self._series(fonds, year, result)
        for position, spec in enumerate(specs):
            spec.physical_location = f"示例库房 {fonds.code} {year}年度 第{position // 20 + 1:03d}盒"
            self._item(fonds, series, spec, result)

    # ------------------------------------------------------------ accounts

    def _ensure_accounts(self) -> list[str]:
        created: list[str] = []
        rows: list[str] = []
        for username, role, clearance, full_name in data.ACCOUNTS:
            label = str(Role(role).label)
            if clearance:
                label += f"（涉密等级：{SecurityClassification(clearance).label}）"
            if User.objects.filter(username=username).exists():
                rows.append(f"{username} / （已存在，未修改） / {label}")
                continue
            _, password = do_create_user(CONSOLE, username, role, full_name=full_name, clearance=clearance)
            created.append(username)
            rows.append(f"{username} / {password} / {label}")
        if created:
            self.lines.append("示例账号（一次性密码只显示这一次，首次登录后须修改）：")
            self.lines.append("用户名 / 一次性密码 / 角色")
            self.lines.extend(rows)
        else:
            self.lines.append(f"示例账号：{'、'.join(a[0] for a in data.ACCOUNTS)} 均已存在，未修改")
        return created


@dataclass
class _YearPlan:
    seed: str
    years: range
    templates: list[Template]
    per_year: int
    specials: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    report_prefix: str = ""
    office: str = ""
    topic: str = ""
    first_date: dt.date | None = None


def _rotation(rng: random.Random, templates: list[Template]) -> Iterator[Template]:
    """The templates over and over, each round in a new shuffled order."""
    while True:
        batch = templates[:]
        rng.shuffle(batch)
        yield from batch


class _Numbers:
    """Document and meeting numbers that grow through a year, with the gaps real registers have."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.current: dict[str, int] = {}

    def next(self, key: str, step: int | None = None) -> int:
        last = self.current.get(key, 0)
        self.current[key] = last + (step or self.rng.randint(1, 6))
        return self.current[key]
