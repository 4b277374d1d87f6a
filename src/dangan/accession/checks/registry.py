"""The check items: each DA/T 70 transfer-stage item (YJ-…) is registered with its code, Chinese name, property and
a function of the gathered facts (checks.context.CheckContext) that returns its result with the evidence."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dangan.accession.choices import CheckResult, Property

if TYPE_CHECKING:
    from .context import CheckContext

EVIDENCE_LIMIT = 500  # findings stored per item; the count says how many there were


@dataclass
class Evidence:
    """One finding: which file, which field (or row), which value, and what is wrong (or was found)."""

    message: str
    file: str = ""
    field: str = ""
    value: str = ""
    row: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message}
        for key in ("file", "field", "value"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.row is not None:
            data["row"] = self.row
        return data


@dataclass
class Outcome:
    result: str
    summary: str
    evidence: list[Evidence] = field(default_factory=list)

    @classmethod
    def judge(cls, problems: Iterable[Evidence], passed: str, failed: str) -> Outcome:
        """Fail with the problems as evidence, or pass; ``failed`` may use {count}."""
        found = list(problems)
        if found:
            return cls(CheckResult.FAIL, failed.format(count=len(found)), found)
        return cls(CheckResult.PASS, passed)


CheckFunction = Callable[["CheckContext"], Outcome]


@dataclass(frozen=True)
class CheckSpec:
    code: str  # "YJ-1-7"
    name: str  # "档号规范性"
    property: str  # a Property value
    function: CheckFunction | None  # None: a manual item, signed by a person
    description: str = ""

    # The "property" field shadows the builtin inside the class body.
    @builtins.property
    def manual(self) -> bool:
        return self.function is None

    @builtins.property
    def number(self) -> str:
        return self.code.removeprefix("YJ-")


_checks: dict[str, CheckSpec] = {}


def _key(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.removeprefix("YJ-").split("-"))


def register_check(
    code: str, name: str, prop: Property, description: str = ""
) -> Callable[[CheckFunction], CheckFunction]:
    """Decorator: ``@register_check("YJ-1-7", "档号规范性", Property.AUTHENTICITY)``."""

    def decorate(function: CheckFunction) -> CheckFunction:
        _register(CheckSpec(code, name, prop.value, function, description))
        return function

    return decorate


def register_manual_check(code: str, name: str, prop: Property, description: str) -> None:
    """An item a person checks and signs (载体外观, 操作过程安全性 …)."""
    _register(CheckSpec(code, name, prop.value, None, description))


def _register(spec: CheckSpec) -> None:
    if spec.code in _checks and _checks[spec.code] != spec:
        raise KeyError(f"check item {spec.code} is already registered")
    _checks[spec.code] = spec


def registered_checks() -> list[CheckSpec]:
    """Every registered item, in DA/T 70 order."""
    from . import items  # noqa: F401 - registers the built-in items

    return sorted(_checks.values(), key=lambda spec: _key(spec.code))


def check_spec(code: str) -> CheckSpec:
    registered_checks()
    return _checks[code]
