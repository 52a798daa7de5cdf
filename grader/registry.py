"""Finds drills: every ``solutions/<id>_spec.py`` declares ``DRILL``; nothing else lists them."""

from __future__ import annotations

import ast
import difflib
import importlib
from functools import cache
from pathlib import Path

from .errors import UnknownDrill
from .i18n import language
from .spec import Drill

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SOLUTIONS = PACKAGE_DIR / "solutions"
STUBS = PACKAGE_DIR / "drills"
SPEC_SUFFIX = "_spec.py"


def ids() -> list[str]:
    """Drill ids from file names alone: no reference is imported (grading forks first)."""
    return sorted(p.name.removesuffix(SPEC_SUFFIX) for p in SOLUTIONS.glob(f"*{SPEC_SUFFIX}"))


def _normal(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def aliases() -> dict[str, str]:
    """alias -> drill id, read from each spec's source: parsed, not imported (grading forks
    its sandboxes before any reference is imported)."""
    found = {}
    for drill_id in ids():
        tree = ast.parse((SOLUTIONS / f"{drill_id}{SPEC_SUFFIX}").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "aliases":
                found |= {_normal(a): drill_id for a in ast.literal_eval(node.value)}
    return found


def resolve(name: str) -> str:
    """The drill id for what the user typed: ``cross-entropy``, ``Cross_Entropy`` and declared
    aliases such as ``mha`` all work."""
    wanted, known = _normal(name), ids()
    if wanted in known:
        return wanted
    other_names = aliases()
    if wanted in other_names:
        return other_names[wanted]
    close = difflib.get_close_matches(wanted, known + list(other_names), n=3, cutoff=0.5)
    raise UnknownDrill(name, [other_names.get(c, c) for c in dict.fromkeys(close)], known)


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


def statement_path(drill_id: str, lang: str) -> Path:
    """The stub's docstring in another language: ``drills/<id>.<lang>.txt``, beside the stub."""
    return STUBS / f"{drill_id}.{lang}.txt"


def stub_text(drill_id: str, lang: str | None = None) -> str:
    """The stub as the user gets it: the English file, its docstring (the contract) in ``lang``
    (default: the language in use) when a translation exists. The code stays as it is."""
    source = stub_path(drill_id).read_text()
    translated = statement_path(drill_id, lang or language())
    if not translated.is_file():
        return source
    doc = ast.parse(source).body[0]  # the module docstring
    lines = source.splitlines(keepends=True)
    text = translated.read_text().strip("\n")
    return "".join(lines[:doc.lineno - 1]) + f'"""{text}\n"""\n' + "".join(lines[doc.end_lineno:])


def reference_path(drill_id: str) -> Path:
    return SOLUTIONS / f"{drill_id}.py"
