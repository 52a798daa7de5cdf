import functools
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# Short limits keep the bad-attempt tests quick; the defaults are for people. (Set before
# handwrite is imported: the sandbox reads it once.)
os.environ.setdefault("HANDWRITE_TIMEOUT", "3")
# English unless a test asks for Chinese: the assertions read English words, whatever the
# machine's locale.
os.environ["HANDWRITE_LANG"] = "en"

from handwrite.grader import grade, registry  # noqa: E402
from handwrite.grader.selftest import mistake_source, reference_source  # noqa: E402

ATTEMPTS = Path(__file__).parent / "attempts"
DRILL_IDS = registry.ids()
WRONG = sorted((ATTEMPTS / "wrong").glob("*.py"))
CORRECT = sorted((ATTEMPTS / "correct").glob("*.py"))


def drill_of(path: Path) -> str:
    """tests/attempts/*/<drill>__<what>.py"""
    return path.name.split("__")[0]


# Scorecards are graded once per session: the drill tests read them, and so does the test that
# every check has failed somewhere (tests/test_every_check_fails.py), without grading again.
_CARDS = Path(tempfile.mkdtemp(prefix="handwrite-cards-"))


@functools.cache
def reference_card(drill_id: str):
    path = _CARDS / f"{drill_id}__reference.py"
    path.write_text(reference_source(registry.load(drill_id)))
    return grade(drill_id, path)


@functools.cache
def mistake_card(drill_id: str, mistake_id: str):
    drill = registry.load(drill_id)
    path = _CARDS / f"{drill_id}__{mistake_id.replace('-', '_')}.py"
    path.write_text(mistake_source(drill, drill.mistake(mistake_id)))
    return grade(drill_id, path)


@functools.cache
def attempt_card(path: Path):
    return grade(drill_of(path), path)


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A fresh HANDWRITE_HOME for the test."""
    home = tmp_path / "ws"
    monkeypatch.setenv("HANDWRITE_HOME", str(home))
    return home


@pytest.fixture
def write(tmp_path):
    """Write an attempt file and return its path."""
    def write(source: str, name: str = "attempt.py") -> Path:
        path = tmp_path / name
        path.write_text(source)
        return path
    return write


def handwrite_cmd() -> list[str]:
    """The installed `handwrite` command, next to this interpreter."""
    exe = Path(sys.executable).with_name("handwrite")
    return [str(exe)] if exe.exists() else [shutil.which("handwrite") or "handwrite"]
