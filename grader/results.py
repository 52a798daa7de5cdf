"""What a grading produces: plain, frozen data. The grader never prints; render.py does."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum

ERROR_KINDS = (
    "syntax", "import", "missing", "not_implemented", "exception",
    "timeout", "memory", "crash", "exit",
)


class Verdict(str, Enum):
    PASS = "pass"  # every check passed
    FAIL = "fail"  # it ran, and some answer was wrong
    ERROR = "error"  # it could not be graded: did not load, crashed, timed out ...
    TODO = "not_implemented"  # the stub is untouched


@dataclass(frozen=True)
class CheckResult:
    category: str  # one of spec.CATEGORIES
    name: str  # what was checked, as the user reads it
    passed: bool
    message: str = ""  # why it failed (empty when it passed)
    mistakes: tuple[str, ...] = ()  # ids of known mistakes that explain this failure
    explains: bool = False  # a property that failed says why in words: worth showing first


@dataclass(frozen=True)
class AttemptError:
    kind: str  # one of ERROR_KINDS
    message: str


@dataclass(frozen=True)
class NamedMistake:
    id: str
    explain: str


@dataclass(frozen=True)
class Scorecard:
    drill: str
    path: str
    checks: tuple[CheckResult, ...]
    mistakes: tuple[NamedMistake, ...] = ()
    error: AttemptError | None = None
    elapsed_s: float = 0.0
    output: str = ""  # what the attempt printed, truncated
    title: str = ""

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def verdict(self) -> Verdict:
        if self.passed:
            return Verdict.PASS
        if self.error and self.error.kind == "not_implemented":
            return Verdict.TODO
        if self.error and self.error.kind != "exception":
            return Verdict.ERROR
        return Verdict.FAIL

    @property
    def failing_categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.category for c in self.checks if not c.passed))

    def to_json(self) -> dict:
        """The public --json object (documented in the README: keep it stable)."""
        return {
            "drill": self.drill,
            "passed": self.passed,
            "checks": [
                {"category": c.category, "name": c.name, "passed": c.passed, "message": c.message}
                for c in self.checks
            ],
            "mistakes": [m.id for m in self.mistakes],
            "error": asdict(self.error) if self.error else None,
            "elapsed_s": round(self.elapsed_s, 3),
        }
