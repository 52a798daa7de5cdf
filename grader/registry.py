"""Finds drills: every ``solutions/<id>_spec.py`` declares ``DRILL``; nothing else lists them."""

from __future__ import annotations

import difflib
import importlib
from functools import cache
from pathlib import Path

from .errors import UnknownDrill
from .spec import Drill

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SOLUTIONS = PACKAGE_DIR / "solutions"
STUBS = PACKAGE_DIR / "drills"
SPEC_SUFFIX = "_spec.py"


def ids() -> list[str]:
    """Drill ids from file names alone: no reference is imported (grading forks first)."""
    return sorted(p.name.removesuffix(SPEC_SUFFIX) for p in SOLUTIONS.glob(f"*{SPEC_SUFFIX}"))


def resolve(name: str) -> str:
    """The drill id for what the user typed: ``cross-entropy`` and ``Cross_Entropy`` both work."""
    wanted = name.strip().lower().replace("-", "_")
    known = ids()
    if wanted in known:
        return wanted
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5)
    raise UnknownDrill(name, close, known)


@cache
def load(drill_id: str) -> Drill:
    """Import a drill's spec (and with it the reference). Call only outside the sandbox."""
    module = importlib.import_module(f"handwrite.solutions.{drill_id}_spec")
    drill = module.DRILL
    assert drill.id == drill_id, f"{module.__file__} declares id {drill.id!r}"
    return drill


def all_drills() -> list[Drill]:
    return [load(i) for i in ids()]


def stub_path(drill_id: str) -> Path:
    return STUBS / f"{drill_id}.py"


def reference_path(drill_id: str) -> Path:
    return SOLUTIONS / f"{drill_id}.py"
