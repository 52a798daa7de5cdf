import os
import shutil
import sys
from pathlib import Path

import pytest

# Short limits keep the bad-attempt tests quick; the defaults are for people. (Set before
# handwrite is imported: the sandbox reads it once.)
os.environ.setdefault("HANDWRITE_TIMEOUT", "3")
# English unless a test asks for Chinese: the assertions read English words, whatever the
# machine's locale.
os.environ["HANDWRITE_LANG"] = "en"

from handwrite.grader import registry  # noqa: E402

ATTEMPTS = Path(__file__).parent / "attempts"
DRILL_IDS = registry.ids()


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
