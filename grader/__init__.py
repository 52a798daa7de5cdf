"""Loading, running and judging an attempt. A notebook can use it without the CLI."""

from .errors import HandwriteError, MissingAttempt, NothingAttempted, UnknownDrill
from .judge import grade, grade_many
from .results import AttemptError, CheckResult, NamedMistake, Scorecard, Verdict
from .spec import Call, Case, Drill, Mistake

__all__ = [
    "AttemptError", "Call", "Case", "CheckResult", "Drill", "HandwriteError", "Mistake",
    "MissingAttempt", "NamedMistake", "NothingAttempted", "Scorecard", "UnknownDrill", "Verdict",
    "grade", "grade_many",
]
