"""Progress in SQLite, in the workspace: every check's result and time, and hints shown."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from .results import Scorecard

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY,
    drill TEXT NOT NULL,
    at REAL NOT NULL,            -- unix time of the check
    passed INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    checks_passed INTEGER NOT NULL,
    checks_total INTEGER NOT NULL,
    failing TEXT NOT NULL,       -- JSON list of failing categories
    mistakes TEXT NOT NULL,      -- JSON list of named mistake ids
    elapsed_s REAL NOT NULL,
    result TEXT NOT NULL         -- the --json object
);
CREATE INDEX IF NOT EXISTS checks_by_drill ON checks (drill, at);
CREATE TABLE IF NOT EXISTS hints (
    drill TEXT PRIMARY KEY,
    shown INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class Best:
    """A drill's best check so far."""

    passed: bool
    checks_passed: int
    checks_total: int
    attempts: int


class Progress:
    """The progress database of one workspace (``<workspace>/progress.db``)."""

    def __init__(self, workspace: Path):
        self.path = workspace / "progress.db"
        workspace.mkdir(parents=True, exist_ok=True)
        self.moved_aside: Path | None = None
        try:
            self.db = self._open()
        except sqlite3.DatabaseError:
            # A damaged file must not stop practice: keep it for inspection, start afresh.
            self.moved_aside = self.path.with_name(f"progress.damaged-{int(time.time())}.db")
            self.path.rename(self.moved_aside)
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")  # two terminals checking at once never block
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return db

    def record(self, card: Scorecard) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO checks (drill, at, passed, verdict, checks_passed, checks_total,"
                " failing, mistakes, elapsed_s, result) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (card.drill, time.time(), card.passed, card.verdict.value,
                 sum(c.passed for c in card.checks), len(card.checks),
                 json.dumps(card.failing_categories), json.dumps([m.id for m in card.mistakes]),
                 card.elapsed_s, json.dumps(card.to_json())))

    def best(self) -> dict[str, Best]:
        best = {}
        counts = self.db.execute("SELECT drill, COUNT(*) FROM checks GROUP BY drill").fetchall()
        for drill, count in counts:
            passed, ok, total = self.db.execute(
                "SELECT passed, checks_passed, checks_total FROM checks WHERE drill = ?"
                " ORDER BY passed DESC, checks_passed * 1.0 / MAX(checks_total, 1) DESC LIMIT 1",
                (drill,)).fetchone()
            best[drill] = Best(bool(passed), ok, total, count)
        return best

    def ever_passed(self, drill: str) -> bool:
        row = self.db.execute("SELECT 1 FROM checks WHERE drill = ? AND passed LIMIT 1", (drill,))
        return row.fetchone() is not None

    def hints_shown(self, drill: str) -> int:
        row = self.db.execute("SELECT shown FROM hints WHERE drill = ?", (drill,)).fetchone()
        return row[0] if row else 0

    def next_hint(self, drill: str, available: int) -> int:
        """Count one more hint shown (up to ``available``); returns its 0-based index."""
        shown = min(self.hints_shown(drill) + 1, available)
        with self.db:
            self.db.execute("INSERT INTO hints (drill, shown) VALUES (?, ?) ON CONFLICT(drill)"
                            " DO UPDATE SET shown = excluded.shown", (drill, shown))
        return shown - 1

    def close(self) -> None:
        self.db.close()
