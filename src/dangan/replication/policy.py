"""The replication policy as the transfers read it: which targets each package goes to and what its copies must
add up to (models.ReplicationRule), and what a package's copies fall short of."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from dangan.preservation.models import PreservedPackage
from dangan.replication.choices import ReplicaState
from dangan.replication.models import Replica, ReplicationRule, Target

__all__ = ["PackagePlan", "Policy", "Requirement", "Shortfall", "is_current", "replicas_by_package", "shortfalls"]


@dataclass(frozen=True)
class Requirement:
    """What a package's copies must add up to: current copies, kinds of medium, sites (the strictest of the
    rules that matched it), and the names of those rules (empty: the default, every package everywhere)."""

    copies: int
    media: int
    sites: int
    rules: tuple[str, ...] = ()


@dataclass
class PackagePlan:
    """One package and the targets the policy sends it to (empty: no rule matches it)."""

    package: PreservedPackage
    targets: list[Target]
    requirement: Requirement


@dataclass(frozen=True)
class Shortfall:
    """Something a package's copies lack: ``what`` is ``copies``, ``media`` or ``sites``."""

    what: str
    required: int
    present: int

    @property
    def message(self) -> str:
        label = {"copies": _("副本数"), "media": _("介质种类"), "sites": _("存放地点")}[self.what]
        return _("%(label)s不足：要求 %(required)d，现有 %(present)d") % {
            "label": label,
            "required": self.required,
            "present": self.present,
        }


@dataclass
class _Rule:
    name: str
    fonds: frozenset[int]
    categories: frozenset[int]
    classifications: frozenset[str]
    retentions: frozenset[str]
    targets: frozenset[int]
    copies: int
    media: int
    sites: int

    def matches(self, package: PreservedPackage) -> bool:
        unit = package.unit
        if unit is None:  # the catalog row is gone: only a rule without filters still takes it
            return not (self.fonds or self.categories or self.classifications or self.retentions)
        return (
            (not self.fonds or unit.fonds_id in self.fonds)
            and (not self.categories or unit.category_id in self.categories)
            and (not self.classifications or unit.classification in self.classifications)
            and (not self.retentions or unit.retention in self.retentions)
        )


@dataclass
class Policy:
    """The enabled rules and targets, read once; ``plan_for`` a package is then a computation."""

    rules: list[_Rule]
    targets: list[Target]
    by_id: dict[int, Target] = field(default_factory=dict)
    only: Target | None = None

    @classmethod
    def load(cls, only: Target | None = None) -> Policy:
        targets = list(Target.objects.filter(enabled=True).order_by("name"))
        rules = [
            _Rule(
                rule.name,
                frozenset(f.pk for f in rule.fonds.all()),
                frozenset(c.pk for c in rule.categories.all()),
                frozenset(rule.classifications or ()),
                frozenset(rule.retentions or ()),
                frozenset(t.pk for t in rule.targets.all()),
                rule.copies,
                rule.media,
                rule.sites,
            )
            for rule in ReplicationRule.objects.filter(enabled=True).prefetch_related("fonds", "categories", "targets")
        ]
        return cls(rules, targets, {t.pk: t for t in targets}, only)

    def plan_for(self, package: PreservedPackage) -> PackagePlan:
        if not self.rules:
            chosen = list(self.targets)
            requirement = Requirement(len(chosen), 1, 1)
        else:
            matching = [rule for rule in self.rules if rule.matches(package)]
            ids: set[int] = set()
            for rule in matching:
                ids |= rule.targets or set(self.by_id)
            chosen = [t for t in self.targets if t.pk in ids]
            requirement = Requirement(
                max((r.copies for r in matching), default=0),
                max((r.media for r in matching), default=0),
                max((r.sites for r in matching), default=0),
                tuple(r.name for r in matching),
            )
        if self.only is not None:
            chosen = [t for t in chosen if t.pk == self.only.pk]
        return PackagePlan(package, chosen, requirement)

    def plan(self, packages: Iterable[PreservedPackage]) -> list[PackagePlan]:
        return [self.plan_for(package) for package in packages]


def is_current(replica: Replica, head: int) -> bool:
    """Whether ``replica`` holds the package's head version (number ``head``), whole and unharmed."""
    return replica.state == ReplicaState.CURRENT and replica.version_number >= head


def shortfalls(
    requirement: Requirement, replicas: Sequence[Replica], targets: dict[int, Target], head: int
) -> list[Shortfall]:
    """What the current copies among ``replicas`` (at targets in ``targets``: the enabled ones) lack."""
    good = [r for r in replicas if r.target_id in targets and is_current(r, head)]
    media = {targets[r.target_id].medium for r in good}
    sites = {targets[r.target_id].site.strip() for r in good}
    found: list[Shortfall] = []
    for what, required, present in (
        ("copies", requirement.copies, len(good)),
        ("media", requirement.media, len(media)),
        ("sites", requirement.sites, len(sites)),
    ):
        if present < required:
            found.append(Shortfall(what, required, present))
    return found


def replicas_by_package(packages: Iterable[Any]) -> dict[int, list[Replica]]:
    """Each package's replicas (one query per 500 packages: SQLite limits a query's parameters)."""
    ids = [p.pk for p in packages]
    by_package: dict[int, list[Replica]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for replica in Replica.objects.filter(package__in=chunk).order_by("target__name"):
            by_package.setdefault(replica.package_id, []).append(replica)
    return by_package
