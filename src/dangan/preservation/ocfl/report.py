"""Validation reports: errors and warnings, each with its OCFL 1.1 code and an English sentence."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    code: str
    message: str
    severity: Severity

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass
class ValidationReport:
    """The result of validating one object: valid when there is no error."""

    path: str
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    object_id: str | None = None
    spec_version: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def error_codes(self) -> set[str]:
        return {i.code for i in self.errors}

    @property
    def warning_codes(self) -> set[str]:
        return {i.code for i in self.warnings}

    def error(self, code: str, message: str) -> None:
        self.errors.append(Issue(code, message, Severity.ERROR))

    def warning(self, code: str, message: str) -> None:
        if not any(w.code == code and w.message == message for w in self.warnings):
            self.warnings.append(Issue(code, message, Severity.WARNING))

    def __str__(self) -> str:
        head = f"{self.path}: {'valid' if self.valid else 'INVALID'}"
        return "\n".join([head, *(f"  {i}" for i in [*self.errors, *self.warnings])])


@dataclass
class RootValidationReport(ValidationReport):
    """The storage root's own issues, and one report per object found in its hierarchy."""

    objects: dict[str, ValidationReport] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors and all(r.valid for r in self.objects.values())

    def __str__(self) -> str:
        lines = [ValidationReport.__str__(self)]
        lines += [str(r) for r in self.objects.values() if r.errors or r.warnings]
        lines.append(f"{len(self.objects)} objects, {sum(not r.valid for r in self.objects.values())} invalid")
        return "\n".join(lines)
