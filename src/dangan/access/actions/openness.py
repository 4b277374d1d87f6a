"""The openness review (开放审核, Archives Law 2020 art. 27): records open to society 25 years after their creation,
sooner or later by review.

- ``do_create_review``: a round for a year and a scope (fonds, 门类, years); every unit of the scope that reaches the
  age (year ≤ round year − ``age_years()``) and is not open yet gets a row, in bulk; the reviewers' aid scans them.
- ``do_first_review`` (初审): one reviewer decides per unit or for every unit of a filter — 开放, 控制 (with a reason),
  延期 (with the next review year).
- ``do_confirm`` (复审): a DIFFERENT reviewer confirms; only then does the decision take effect, in the catalog at
  once (``catalog.actions.openness.do_set_openness``: the units' openness, their version, the audit log, search).
  ``do_send_back``: the second reviewer returns decisions to the first review, with a note.
- The configurable words the aid marks (``OpennessTerm``): ``do_add_term``, ``do_remove_term``.

Every action needs OPENNESS_REVIEW, acts only on the rows of units catalog.policy lets the actor see, writes in one
transaction with its audit entries (``access.openness.*``; one per batch of units, naming them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.access.models.openness import (
    ControlReason,
    DecisionStatus,
    OpennessDecision,
    OpennessReview,
    OpennessTerm,
    ReviewStatus,
    Verdict,
)
from dangan.access.sensitive import Mark, TermMatcher, scan
from dangan.catalog.actions.openness import do_set_openness
from dangan.catalog.choices import Openness, UnitLevel
from dangan.catalog.models import ArchivalUnit, Fonds, RecordCategory
from dangan.catalog.policy import visible_units
from dangan.core.actions.accounts import require_actor
from dangan.core.actors import account_of, actor_name
from dangan.core.audit import log
from dangan.core.roles import Capability
from dangan.search.fulltext import unit_full_texts
from dangan.utilities.concurrency import EditConflict

__all__ = [
    "BATCH",
    "DESCRIPTION_FIELDS",
    "Decision",
    "Outcome",
    "age_years",
    "check_create_review",
    "check_decision",
    "do_add_due_units",
    "do_add_term",
    "do_close_review",
    "do_confirm",
    "do_create_review",
    "do_first_review",
    "do_remove_term",
    "do_request_scan",
    "do_scan_marks",
    "do_send_back",
    "is_first_reviewer",
    "marks_in",
    "review_counts",
    "unit_marks",
    "unit_texts",
    "visible_rows",
]

BATCH = 1000  # rows written, and units named in one audit entry, at a time
SCAN_BATCH = 200  # units whose texts are read at a time by the reviewers' aid
SCAN_NOW = 2000  # a round of up to this many units is scanned while it is made; a larger one by a background task
MAX_NOTE = 1000
# A unit's description as the aid reads it: every text field a person typed.
DESCRIPTION_FIELDS = ("title", "document_number", "responsible", "remarks", "extent", "notes")
REVIEWED_LEVELS = (UnitLevel.FILE, UnitLevel.ITEM)

OPENNESS_FOR = {Verdict.OPEN: Openness.OPEN, Verdict.CONTROL: Openness.CONTROLLED}


def age_years() -> int:
    """How many years after their creation records open (Archives Law art. 27: 25), from the setting
    ``DANGAN_OPENNESS_AGE_YEARS``)."""
    return int(settings.OPENNESS_AGE_YEARS)


def _require(actor: Any) -> None:
    require_actor(actor, Capability.OPENNESS_REVIEW)


def visible_rows(actor: Any, review: OpennessReview) -> QuerySet[OpennessDecision]:
    """The round's rows of units ``actor`` may see (catalog.policy): everything else about a round is counted and
    listed from these."""
    return OpennessDecision.objects.filter(review=review, unit__in=visible_units(actor, ArchivalUnit.objects.all()))


def is_first_reviewer(actor: Any, decision: OpennessDecision) -> bool:
    """Whether ``actor`` made the first review of ``decision`` (an account by id; an operator by name)."""
    account = account_of(actor)
    if account is not None and decision.first_by_id is not None:
        return bool(account.pk == decision.first_by_id)
    return actor_name(actor) == decision.first_by_name


# ---------------------------------------------------------------- rounds


@dataclass(frozen=True)
class Scope:
    year: int
    fonds: Fonds
    category: RecordCategory | None
    year_from: int | None
    year_to: int | None
    title: str


def check_create_review(
    actor: Any,
    *,
    year: int,
    fonds: Fonds | None,
    category: RecordCategory | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    title: str = "",
) -> Scope:
    """Validate a new round; return its scope."""
    _require(actor)
    errors: dict[str, str] = {}
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not 1950 <= year <= this_year + 1:
        errors["year"] = _("审核年度应在 1950 与 %(max)d 之间") % {"max": this_year + 1}
    if fonds is None:
        errors["fonds"] = _("请选择全宗")
    if year_from is not None and year_to is not None and year_from > year_to:
        errors["year_to"] = _("截止年度不能早于起始年度")
    text = (title or "").strip()
    if len(text) > 200:
        errors["title"] = _("名称不能超过 200 个字")
    if errors:
        raise ValidationError(errors)
    assert fonds is not None
    if not text:
        text = _("%(year)d 年度开放审核 · %(fonds)s") % {"year": year, "fonds": fonds.code}
        if category is not None:
            text += f" · {category.name}"
    return Scope(year, fonds, category, year_from, year_to, text)


def due_units(scope: Scope) -> QuerySet[ArchivalUnit]:
    """The units of ``scope`` that reach the age of opening and are not open: every 密级 (each reviewer sees the
    ones the policy shows them), files and items, out of those disposed of."""
    qs = ArchivalUnit.objects.filter(
        fonds=scope.fonds,
        disposed=False,
        level__in=REVIEWED_LEVELS,
        year__isnull=False,
        year__lte=scope.year - age_years(),
    ).exclude(openness=Openness.OPEN)
    if scope.category is not None:
        qs = qs.filter(category=scope.category)
    if scope.year_from is not None:
        qs = qs.filter(year__gte=scope.year_from)
    if scope.year_to is not None:
        qs = qs.filter(year__lte=scope.year_to)
    return qs


@transaction.atomic
def do_create_review(actor: Any, **kwargs: Any) -> OpennessReview:
    """Make a round (``check_create_review``'s arguments) and its rows, one per due unit, in batches; the
    reviewers' aid scans a small round at once, a large one in the background (``do_scan_marks``)."""
    scope = check_create_review(actor, **kwargs)
    review = OpennessReview.objects.create(
        year=scope.year,
        fonds=scope.fonds,
        category=scope.category,
        year_from=scope.year_from,
        year_to=scope.year_to,
        title=scope.title,
        created_by=account_of(actor),
        created_by_name=actor_name(actor),
    )
    total = len(_add_rows(review, due_units(scope)))
    log(
        review,
        "access.openness.create",
        actor,
        {
            "year": scope.year,
            "fonds": scope.fonds.code,
            "category": scope.category.code if scope.category else None,
            "years": [scope.year_from, scope.year_to],
            "age": age_years(),
            "units": total,
        },
    )
    do_request_scan(actor, review, total)
    return review


def _add_rows(review: OpennessReview, units: QuerySet[ArchivalUnit]) -> list[int]:
    """One row of ``review`` per unit of ``units``, written 1,000 at a time by ranges of ids; the ids added."""
    ordered = units.order_by("pk").values_list("pk", "year")
    added: list[int] = []
    last = 0
    while True:
        chunk = list(ordered.filter(pk__gt=last)[:BATCH])
        if not chunk:
            break
        OpennessDecision.objects.bulk_create(
            [
                OpennessDecision(review=review, unit_id=pk, fonds_id=review.fonds_id, unit_year=year)
                for pk, year in chunk
            ]
        )
        added += [pk for pk, _year in chunk]
        last = chunk[-1][0]
    return added


def _scope_of(review: OpennessReview) -> Scope:
    return Scope(review.year, review.fonds, review.category, review.year_from, review.year_to, review.title)


@transaction.atomic
def do_add_due_units(actor: Any, review: OpennessReview) -> int:
    """Add to an open round the units of its scope that are due and not in it yet (catalogued, or closed again,
    since it was made); the aid counts their marks. Returns how many were added."""
    _require(actor)
    review = (
        OpennessReview.objects.select_for_update(of=("self",)).select_related("fonds", "category").get(pk=review.pk)
    )
    _require_open(review)
    present = OpennessDecision.objects.filter(review=review).values("unit_id")
    added = _add_rows(review, due_units(_scope_of(review)).exclude(pk__in=present))
    if added:
        log(review, "access.openness.add", actor, {"units": len(added)})
        if len(added) <= SCAN_NOW:
            do_scan_marks(actor, review, added)
        else:
            do_request_scan(actor, review, len(added))
    return len(added)


def do_request_scan(actor: Any, review: OpennessReview, total: int | None = None) -> bool:
    """Count the aid's marks of the round again (after the watched words changed): at once for a round of up to
    SCAN_NOW units, else by a background task once the caller's transaction commits. Returns whether it was queued."""
    _require(actor)
    size = total if total is not None else OpennessDecision.objects.filter(review=review).count()
    if size <= SCAN_NOW:
        do_scan_marks(actor, review)
        return False
    from dangan.access.openness_tasks import scan_marks_task

    review_id = review.pk
    transaction.on_commit(lambda: scan_marks_task.enqueue(review_id))
    return True


@transaction.atomic
def do_close_review(actor: Any, review: OpennessReview, expected_version: int | None = None) -> OpennessReview:
    """End a round: no more decisions in it. Decisions awaiting the second review stay as they are (not in effect)."""
    _require(actor)
    current = OpennessReview.objects.select_for_update().get(pk=review.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(_("该审核批次已被他人修改，请刷新后重试。"), current_version=current.version)
    if not current.is_open:
        raise ValidationError(_("该审核批次已结束"), code="conflict")
    current.status = ReviewStatus.CLOSED
    current.version += 1
    current.save(update_fields=["status", "version", "updated"])
    log(current, "access.openness.close", actor, {})
    return current


def _require_open(review: OpennessReview) -> None:
    if review.status != ReviewStatus.OPEN:
        raise ValidationError(_("该审核批次已结束，不能再审核"), code="conflict")


# ---------------------------------------------------------------- the reviewers' aid


def _terms() -> TermMatcher:
    return TermMatcher(OpennessTerm.objects.values_list("term", flat=True))


def unit_texts(units: Sequence[ArchivalUnit], *, with_text: bool = True) -> dict[int, dict[str, str]]:
    """Each unit's texts as the aid reads them (field → text): its description fields and (``with_text``) its
    full text (OCR), read for all the units at once."""
    texts = unit_full_texts([u.pk for u in units]) if with_text and units else {}
    out: dict[int, dict[str, str]] = {}
    for unit in units:
        fields = {name: str(getattr(unit, name) or "") for name in DESCRIPTION_FIELDS}
        if unit.pk in texts:
            fields["fulltext"] = texts[unit.pk]
        out[unit.pk] = fields
    return out


def marks_in(texts: dict[int, dict[str, str]]) -> dict[int, list[Mark]]:
    """The aid's marks of each unit's texts (``unit_texts``), with the words of the list read once."""
    matcher = _terms()
    return {unit_id: scan(fields, matcher) for unit_id, fields in texts.items()}


def unit_marks(units: Sequence[ArchivalUnit], *, with_text: bool = True) -> dict[int, list[Mark]]:
    """The marks of each unit's description and (``with_text``) full text, by unit id."""
    return marks_in(unit_texts(units, with_text=with_text))


def do_scan_marks(actor: Any, review: OpennessReview, unit_ids: Iterable[int] | None = None) -> int:
    """Count the aid's marks of the round's units (all, or ``unit_ids``), for the list's "marks first" order and
    filter; derived data, written in batches, not audit-logged. Returns how many rows were scanned."""
    _require(actor)
    rows = OpennessDecision.objects.filter(review=review)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    ids = list(rows.order_by("unit_id").values_list("pk", "unit_id"))
    done = 0
    for start in range(0, len(ids), SCAN_BATCH):
        chunk = ids[start : start + SCAN_BATCH]
        units = list(ArchivalUnit.objects.filter(pk__in=[u for _p, u in chunk]).only("pk", *DESCRIPTION_FIELDS))
        marks = unit_marks(units)
        updates = []
        for pk, unit_id in chunk:
            found = marks.get(unit_id, [])
            kinds = sorted(Counter(m.kind for m in found))
            updates.append(OpennessDecision(pk=pk, marks=len(found), mark_kinds=",".join(kinds)[:200]))
        with transaction.atomic():
            OpennessDecision.objects.bulk_update(updates, ["marks", "mark_kinds"])
        done += len(chunk)
    return done


# ---------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Decision:
    """What a reviewer decides for the units picked: a verdict, and what it needs."""

    verdict: str
    reason: str = ""
    note: str = ""
    next_review_year: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def check_decision(review: OpennessReview, decision: Decision) -> Decision:
    """Validate a first-review decision; return it cleaned."""
    errors: dict[str, str] = {}
    note = (decision.note or "").strip()
    if decision.verdict not in Verdict.values:
        errors["verdict"] = _("请选择审核意见：开放、控制或延期")
    if len(note) > MAX_NOTE:
        errors["note"] = _("说明不能超过 %(max)d 个字") % {"max": MAX_NOTE}
    reason = ""
    next_year: int | None = None
    if decision.verdict == Verdict.CONTROL:
        reason = decision.reason or ""
        if reason not in ControlReason.values:
            errors["reason"] = _("控制使用须选择理由")
        elif reason == ControlReason.OTHER and not note:
            errors["note"] = _("理由为“其他”时须填写说明")
    if decision.verdict == Verdict.DEFER:
        next_year = decision.next_review_year
        if next_year is None or not review.year < next_year <= review.year + 30:
            errors["next_review_year"] = _("延期须填写下次审核年度（%(first)d 至 %(last)d）") % {
                "first": review.year + 1,
                "last": review.year + 30,
            }
    if errors:
        raise ValidationError(errors)
    return Decision(decision.verdict, reason, note, next_year)


def _batches(rows: QuerySet[OpennessDecision]) -> Iterable[list[OpennessDecision]]:
    """The rows locked and read in batches, in unit order."""
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        yield list(
            OpennessDecision.objects.select_for_update(of=("self",))
            .filter(pk__in=chunk)
            .select_related("unit")
            .order_by("unit__reference_code", "unit_id")
        )


def _selected(actor: Any, review: OpennessReview, rows: QuerySet[OpennessDecision] | None) -> QuerySet[Any]:
    """The actor's picked rows of the round, narrowed again to what they may see (whatever the caller passed)."""
    mine = visible_rows(actor, review)
    if rows is not None:
        mine = mine.filter(pk__in=rows.filter(review=review).values("pk"))
    return mine


def _fresh(picked: QuerySet[Any], as_of: dt.datetime | None, outcome: Outcome) -> QuerySet[Any]:
    """``picked`` without the rows changed after ``as_of`` (when the person's page was made): a decision is taken on
    what the person saw, never on what someone changed meanwhile (no lost update in a two-person review)."""
    if as_of is None:
        return picked
    outcome.skip(_("页面打开后已被他人修改，请刷新后再审"), picked.filter(updated__gt=as_of).count())
    return picked.exclude(updated__gt=as_of)


@dataclass
class Outcome:
    """What a bulk action did: rows changed, and rows left as they were, with why."""

    changed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, why: str, n: int = 1) -> None:
        if n:
            self.skipped[why] = self.skipped.get(why, 0) + n


@transaction.atomic
def do_first_review(
    actor: Any,
    review: OpennessReview,
    decision: Decision,
    rows: QuerySet[OpennessDecision] | None = None,
    *,
    as_of: dt.datetime | None = None,
) -> Outcome:
    """初审: record ``decision`` for the picked rows of the round (None: every row the actor sees) that are not yet
    confirmed — a new decision, a decision awaiting the second review (replaced), or one sent back. ``as_of``: when
    the person's page was made; rows changed since are left out (``_fresh``)."""
    _require(actor)
    review = OpennessReview.objects.select_for_update().get(pk=review.pk)
    _require_open(review)
    clean = check_decision(review, decision)
    outcome = Outcome()
    picked = _fresh(_selected(actor, review, rows), as_of, outcome)
    outcome.skip(_("已生效，不能再改"), picked.filter(status=DecisionStatus.CONFIRMED).count())
    now = timezone.now()
    for batch in _batches(picked.exclude(status=DecisionStatus.CONFIRMED)):
        OpennessDecision.objects.filter(pk__in=[d.pk for d in batch]).update(
            verdict=clean.verdict,
            reason=clean.reason,
            note=clean.note,
            next_review_year=clean.next_review_year,
            status=DecisionStatus.PROPOSED,
            first_by=account_of(actor),
            first_by_name=actor_name(actor),
            first_at=now,
            second_by=None,
            second_by_name="",
            second_at=None,
            version=F("version") + 1,
            updated=now,
        )
        log(
            review,
            "access.openness.first",
            actor,
            {
                "verdict": clean.verdict,
                "reason": clean.reason,
                "note": clean.note,
                "next_review_year": clean.next_review_year,
                "units": [_named(d) for d in batch],
            },
        )
        outcome.changed += len(batch)
    if not outcome.changed and not outcome.skipped:
        raise ValidationError(_("没有可审核的档案"))
    return outcome


def _named(decision: OpennessDecision) -> dict[str, Any]:
    return {"unit": str(decision.unit.uuid), "reference_code": decision.unit.reference_code}


def _second_review(
    actor: Any, review: OpennessReview, rows: QuerySet[OpennessDecision] | None, as_of: dt.datetime | None
) -> tuple[OpennessReview, list[list[OpennessDecision]], Outcome]:
    """The rows awaiting the second review that ``actor`` may decide: not their own first review."""
    _require(actor)
    review = OpennessReview.objects.select_for_update().get(pk=review.pk)
    _require_open(review)
    outcome = Outcome()
    picked = _fresh(_selected(actor, review, rows), as_of, outcome)
    outcome.skip(_("不是待复审状态"), picked.exclude(status=DecisionStatus.PROPOSED).count())
    batches: list[list[OpennessDecision]] = []
    own = 0
    for batch in _batches(picked.filter(status=DecisionStatus.PROPOSED)):
        mine = [d for d in batch if is_first_reviewer(actor, d)]
        own += len(mine)
        rest = [d for d in batch if not is_first_reviewer(actor, d)]
        if rest:
            batches.append(rest)
    outcome.skip(_("本人初审的，须由另一人复审"), own)
    stale = _("页面打开后已被他人修改，请刷新后再审")
    if not batches:
        if stale in outcome.skipped:
            raise ValidationError(stale, code="conflict")
        if own:
            raise PermissionDenied(_("复审须由初审人以外的另一位审核人进行，您不能复审自己的初审意见。"))
        raise ValidationError(_("没有待复审的档案"), code="conflict")
    return review, batches, outcome


@transaction.atomic
def do_confirm(
    actor: Any,
    review: OpennessReview,
    rows: QuerySet[OpennessDecision] | None = None,
    *,
    as_of: dt.datetime | None = None,
) -> Outcome:
    """复审: confirm the picked decisions awaiting the second review (None: all the actor sees) made by someone
    else. They take effect at once: 开放 opens the units, 控制 marks them controlled (catalog.actions.openness),
    延期 leaves them as they are until the next review year."""
    review, batches, outcome = _second_review(actor, review, rows, as_of)
    now = timezone.now()
    for batch in batches:
        for verdict, openness in OPENNESS_FOR.items():
            units = [d.unit_id for d in batch if d.verdict == verdict]
            if units:
                do_set_openness(actor, units, openness, _("开放审核“%(title)s”复审确认") % {"title": review.title})
        OpennessDecision.objects.filter(pk__in=[d.pk for d in batch]).update(
            status=DecisionStatus.CONFIRMED,
            second_by=account_of(actor),
            second_by_name=actor_name(actor),
            second_at=now,
            version=F("version") + 1,
            updated=now,
        )
        log(
            review,
            "access.openness.confirm",
            actor,
            {"units": [{**_named(d), "verdict": d.verdict} for d in batch]},
        )
        outcome.changed += len(batch)
    _grants_changed()
    return outcome


@transaction.atomic
def do_send_back(
    actor: Any,
    review: OpennessReview,
    note: str,
    rows: QuerySet[OpennessDecision] | None = None,
    *,
    as_of: dt.datetime | None = None,
) -> Outcome:
    """复审: send the picked decisions back to the first review, with the second reviewer's note."""
    text = (note or "").strip()
    if not text:
        raise ValidationError({"note": _("退回须填写意见")})
    if len(text) > MAX_NOTE:
        raise ValidationError({"note": _("意见不能超过 %(max)d 个字") % {"max": MAX_NOTE}})
    review, batches, outcome = _second_review(actor, review, rows, as_of)
    now = timezone.now()
    for batch in batches:
        OpennessDecision.objects.filter(pk__in=[d.pk for d in batch]).update(
            status=DecisionStatus.RETURNED,
            return_note=text,
            second_by=account_of(actor),
            second_by_name=actor_name(actor),
            second_at=now,
            version=F("version") + 1,
            updated=now,
        )
        log(review, "access.openness.return", actor, {"note": text, "units": [_named(d) for d in batch]})
        outcome.changed += len(batch)
    return outcome


def _grants_changed() -> None:
    """Openness is what the public rule reads: drop the per-request caches of this process."""
    from dangan.catalog.grants import grants_changed

    grants_changed()


# ---------------------------------------------------------------- the report


def review_counts(actor: Any, review: OpennessReview) -> dict[str, Any]:
    """The round's figures as ``actor`` may see them, in one pass over its rows: by status and verdict, marked, and
    the same per year."""
    confirmed = Q(status=DecisionStatus.CONFIRMED)
    by_year: list[dict[str, Any]] = [
        dict(row)
        for row in visible_rows(actor, review)
        .order_by("unit_year")
        .values("unit_year")
        .annotate(
            total=Count("id"),
            pending=Count("id", filter=Q(status=DecisionStatus.PENDING)),
            proposed=Count("id", filter=Q(status=DecisionStatus.PROPOSED)),
            returned=Count("id", filter=Q(status=DecisionStatus.RETURNED)),
            opened=Count("id", filter=confirmed & Q(verdict=Verdict.OPEN)),
            controlled=Count("id", filter=confirmed & Q(verdict=Verdict.CONTROL)),
            deferred=Count("id", filter=confirmed & Q(verdict=Verdict.DEFER)),
            marked=Count("id", filter=Q(marks__gt=0)),
        )
    ]
    keys = ("total", "pending", "proposed", "returned", "opened", "controlled", "deferred", "marked")
    out: dict[str, Any] = {key: sum(y[key] for y in by_year) for key in keys}
    out["confirmed"] = out["opened"] + out["controlled"] + out["deferred"]
    out["by_year"] = by_year
    return out


# ---------------------------------------------------------------- the words the aid marks


@transaction.atomic
def do_add_term(actor: Any, term: str, note: str = "") -> OpennessTerm:
    """Add a word to the list the reviewers' aid marks."""
    _require(actor)
    text = (term or "").strip()
    if not text:
        raise ValidationError({"term": _("请填写词语")})
    if len(text) > 50:
        raise ValidationError({"term": _("词语不能超过 50 个字")})
    if OpennessTerm.objects.filter(term__iexact=text).exists():
        raise ValidationError({"term": _("词表中已有“%(term)s”") % {"term": text}})
    entry = OpennessTerm.objects.create(term=text, note=(note or "").strip()[:200], added_by_name=actor_name(actor))
    log(entry, "access.openness.term.add", actor, {"term": text, "note": entry.note})
    return entry


@transaction.atomic
def do_remove_term(actor: Any, entry: OpennessTerm) -> None:
    """Take a word off the list."""
    _require(actor)
    log(entry, "access.openness.term.remove", actor, {"term": entry.term})
    entry.delete()


def review_years(today: dt.date | None = None) -> list[int]:
    """The years a new round may be for, the current one first."""
    year = (today or timezone.localdate()).year
    return [year + 1, *range(year, year - 10, -1)]
