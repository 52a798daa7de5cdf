"""The user's workspace: ``~/handwrite`` (or $HANDWRITE_HOME), one ``<drill>.py`` per attempt."""

from __future__ import annotations

import ast
import os
from pathlib import Path

from . import registry
from .errors import MissingAttempt


def home() -> Path:
    return Path(os.environ.get("HANDWRITE_HOME") or Path.home() / "handwrite").expanduser()


def attempt_path(drill_id: str) -> Path:
    return home() / f"{drill_id}.py"


def attempted() -> list[str]:
    """Drills with an attempt file in the workspace."""
    return [d for d in registry.ids() if attempt_path(d).exists()]


def start(drill_id: str) -> tuple[Path, bool]:
    """Lay the stub into the workspace. Returns (path, created); never overwrites an attempt."""
    path = attempt_path(drill_id)
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(registry.stub_text(drill_id))
    return path, True


def reset(drill_id: str) -> Path:
    """Put the pristine stub back, whatever the attempt held."""
    path = attempt_path(drill_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(registry.stub_text(drill_id))
    return path


def existing_attempt(drill_id: str, file: str | Path | None = None) -> Path:
    """The file to grade: ``file`` if given, else the workspace attempt. It must exist."""
    path = Path(file).expanduser() if file else attempt_path(drill_id)
    if not path.is_file():
        raise MissingAttempt(path, None if file else drill_id)
    return path


def task(drill_id: str) -> str:
    """The drill's statement: the stub's docstring, in the language in use."""
    doc = ast.get_docstring(ast.parse(registry.stub_text(drill_id)))
    return doc or ""
