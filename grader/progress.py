"""Progress in SQLite, in the workspace: every check's result and time, hints shown, attempt and
reset events, and mock interviews.

The schema is versioned by ``PRAGMA user_version`` and grows by :data:`MIGRATIONS` only: opening
an older database upgrades it in one transaction, so two terminals opening it at once both see
a whole schema. Journal mode is WAL with a busy timeout, so two terminals checking at once wait
for each other instead of failing or corrupting the file.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import HandwriteError
from .results import Scorecard, Verdict
from .i18n import tr
from .spec import CATEGORIES

# Version 1, exactly as handwrite 0.1 created it (databases already on disk are at version 1).
_V1 = """
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

_V2 = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    drill TEXT NOT NULL,
    at REAL NOT NULL,            -- unix time
    kind TEXT NOT NULL           -- 'attempt' (a fresh stub laid) or 'reset'
);
CREATE INDEX events_by_drill ON events (drill, at);
CREATE TABLE mocks (
    id INTEGER PRIMARY KEY,
    started_at REAL NOT NULL,    -- unix time
    ended_at REAL,               -- unix time; NULL while it runs
    minutes INTEGER NOT NULL,    -- the time it was given
    drills TEXT NOT NULL,        -- JSON list of drill ids, in the order asked
    score REAL,                  -- 0..1; NULL until scored
    report TEXT NOT NULL,        -- JSON object: whatever the mock interview reports
    finished INTEGER NOT NULL    -- 0 if abandoned before the end
);
"""

Migration = str | Callable[[sqlite3.Connection], None]
# Step i takes a database from version i to version i + 1: SQL (run statement by statement, in
# the upgrade's transaction) or a function of the connection (which must not commit). Append
# only: never edit a step that has shipped.
MIGRATIONS: tuple[Migration, ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)

EVENT_KINDS = ("attempt", "reset")
Clock = Callable[[], float]


class NewerProgress(HandwriteError):
    """The progress database was written by a newer handwrite: never touched, never moved."""

    def __init__(self, path: Path, version: int):
        super().__init__(tr(
            "{path} was written by a newer handwrite (history schema v{v}; this one reads up to "
            "v{ours}): upgrade handwrite, or set HANDWRITE_HOME to another folder to keep "
            "practising without that history", "{path} 是更新版本的 handwrite 写的（历史记录格式 "
            "v{v}，本版本最多读 v{ours}）：请升级 handwrite，或把 HANDWRITE_HOME 设为另一个文件夹，"
            "不带这份历史继续练习", path=path, v=version, ours=SCHEMA_VERSION))


@dataclass(frozen=True)
class DrillStats:
    """One drill's history.

    A *run* starts with the first check after the drill's stub was laid (``handwrite attempt``
    on a missing file, or ``handwrite reset``), or with its first check ever. A run's *time to
    pass* is from its first check to its first passing check: the first check, not the attempt,
    marks the start, because a stub laid days before it is worked on says nothing about speed.
    A run that passes at its first check took 0 s. Checks after a run's first pass don't change it.
    """

    drill: str
    checks: int  # every check recorded, untouched stubs included
    passes: int  # checks that passed
    times_to_pass: tuple[float, ...]  # seconds, one per run that passed, oldest first
    first_at: float | None  # unix time of the first check
    last_at: float | None  # unix time of the last check
    last_verdict: Verdict | None  # of the last check
    last_failing: tuple[str, ...]  # failing categories at the last check
    failing_seen: tuple[str, ...]  # every category that ever failed, in CATEGORIES order
    restarted_at: float | None  # stub laid after the last check (or before any): when

    @property
    def best_s(self) -> float | None:
        return min(self.times_to_pass) if self.times_to_pass else None

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.times_to_pass) if self.times_to_pass else None

    @property
    def ever_passed(self) -> bool:
        return self.passes > 0

    @property
    def status(self) -> str:
        """'passed', 'failing', 'started' (stub laid or untouched, nothing graded since) or
        'new'."""
        if self.restarted_at is not None or self.last_verdict is Verdict.TODO:
            return "started"
        if self.last_verdict is None:
            return "new"
        return "passed" if self.last_verdict is Verdict.PASS else "failing"


@dataclass(frozen=True)
class Day:
    """Checks on one local calendar day."""

    date: datetime.date
    checks: int
    passes: int


@dataclass(frozen=True)
class Mock:
    """One mock interview."""

    id: int
    started_at: float  # unix time
    ended_at: float | None  # unix time; None while it runs
    minutes: int  # the time it was given
    drills: tuple[str, ...]  # drill ids, in the order asked
    score: float | None  # 0..1; None until scored
    report: dict  # what the mock interview reported
    finished: bool  # False if abandoned before the end


def _statements(script: str) -> list[str]:
    """Split a SQL script into statements (``executescript`` would commit the transaction)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    assert not pending.strip(), f"incomplete SQL statement: {pending!r}"
    return statements


def _damaged(e: sqlite3.DatabaseError) -> bool:
    """Not a database, or a corrupt one. A locked or unreadable file is not damaged: it must
    never be moved aside."""
    name = getattr(e, "sqlite_errorname", None)  # Python 3.11+
    if name is not None:
        return name in ("SQLITE_NOTADB", "SQLITE_CORRUPT")
    return type(e) is sqlite3.DatabaseError


def _wal(db: sqlite3.Connection, wait_s: float = 10) -> None:
    """WAL journal mode, so two terminals checking at once never block each other. Switching
    needs a moment alone with the file and ignores the busy timeout: retry while it's locked."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class Progress:
    """The progress database of one workspace (``<workspace>/progress.db``).

    ``clock`` gives the current unix time to everything that records or judges "now"; tests
    and notebooks pass their own to replay days without waiting for them.
    """

    def __init__(self, workspace: Path, clock: Clock = time.time):
        self.path = workspace / "progress.db"
        self.clock = clock
        workspace.mkdir(parents=True, exist_ok=True)
        self.moved_aside: Path | None = None
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as e:
            if not _damaged(e):
                raise
            # A damaged file must not stop practice: keep it for inspection, start afresh.
            self.moved_aside = self._move_aside()
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        # Autocommit: every write below is one statement or an explicit transaction.
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # reads the header
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise NewerProgress(self.path, version)
            _wal(db)
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        db.execute("BEGIN IMMEDIATE")  # one writer; a second opener waits, then sees it done
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise NewerProgress(self.path, version)
            for step in MIGRATIONS[version:]:
                if callable(step):
                    step(db)
                else:
                    for statement in _statements(step):
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _move_aside(self) -> Path | None:
        """Rename the damaged file (and its WAL files) to ``progress.damaged-<time>.db``."""
        stamp = int(self.clock())
        target = self.path.with_name(f"progress.damaged-{stamp}.db")
        n = 1
        while target.exists():
            target = self.path.with_name(f"progress.damaged-{stamp}-{n}.db")
            n += 1
        try:
            self.path.rename(target)
        except FileNotFoundError:
            return None  # another terminal moved it first
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
        return target

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    # Recording

    def record(self, card: Scorecard) -> None:
        """Keep one check's result."""
        with self.db:
            self.db.execute(
                "INSERT INTO checks (drill, at, passed, verdict, checks_passed, checks_total,"
                " failing, mistakes, elapsed_s, result) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (card.drill, self.clock(), card.passed, card.verdict.value,
                 sum(c.passed for c in card.checks), len(card.checks),
                 json.dumps(card.failing_categories), json.dumps([m.id for m in card.mistakes]),
                 card.elapsed_s, json.dumps(card.to_json())))

    def record_event(self, drill: str, kind: str) -> None:
        """Keep that a drill's stub was laid: ``kind`` is 'attempt' (a fresh stub where there
        was no attempt) or 'reset'. Either starts a new run (see :class:`DrillStats`)."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"event kind must be one of {EVENT_KINDS}, not {kind!r}")
        with self.db:
            self.db.execute("INSERT INTO events (drill, at, kind) VALUES (?, ?, ?)",
                            (drill, self.clock(), kind))

    def record_mock(self, drills: list[str], minutes: int, *, started_at: float,
                    ended_at: float | None = None, score: float | None = None,
                    report: dict | None = None, finished: bool = True) -> int:
        """Keep one mock interview; returns its id. ``score`` is 0..1, ``report`` any JSON
        object; ``ended_at`` defaults to now when ``finished``."""
        if ended_at is None and finished:
            ended_at = self.clock()
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO mocks (started_at, ended_at, minutes, drills, score, report,"
                " finished) VALUES (?,?,?,?,?,?,?)",
                (started_at, ended_at, minutes, json.dumps(list(drills)), score,
                 json.dumps(report or {}), finished))
        return cursor.lastrowid

    def update_mock(self, mock_id: int, *, ended_at: float | None = None,
                    score: float | None = None, report: dict | None = None,
                    finished: bool | None = None) -> None:
        """Change a kept mock interview as it goes on: only the fields given are written."""
        fields = {"ended_at": ended_at, "score": score, "finished": finished,
                  "report": None if report is None else json.dumps(report)}
        fields = {k: v for k, v in fields.items() if v is not None}
        if not fields:
            return
        with self.db:
            self.db.execute(f"UPDATE mocks SET {', '.join(f'{k} = ?' for k in fields)}"
                            " WHERE id = ?", (*fields.values(), mock_id))

    def unfinished_mock(self) -> Mock | None:
        """The latest mock interview still running or interrupted (not finished, no end
        time), or None."""
        return next((m for m in reversed(self.mocks()) if not m.finished and m.ended_at is None),
                    None)

    def next_hint(self, drill: str, available: int) -> int:
        """Count one more hint shown (up to ``available``); returns its 0-based index."""
        shown = min(self.hints_shown(drill) + 1, available)
        with self.db:
            self.db.execute("INSERT INTO hints (drill, shown) VALUES (?, ?) ON CONFLICT(drill)"
                            " DO UPDATE SET shown = excluded.shown", (drill, shown))
        return shown - 1

    # Reading

    def ever_passed(self, drill: str) -> bool:
        row = self.db.execute("SELECT 1 FROM checks WHERE drill = ? AND passed LIMIT 1", (drill,))
        return row.fetchone() is not None

    def hints_shown(self, drill: str) -> int:
        row = self.db.execute("SELECT shown FROM hints WHERE drill = ?", (drill,)).fetchone()
        return row[0] if row else 0

    def stats(self) -> dict[str, DrillStats]:
        """Every drill with a check or an event, by id (see :class:`DrillStats`)."""
        timeline: dict[str, list[tuple]] = {}
        # One time line per drill; at the same instant an event comes before a check.
        for drill, at, kind in self.db.execute("SELECT drill, at, kind FROM events"):
            timeline.setdefault(drill, []).append((at, 0, kind, None, None))
        for drill, at, verdict, failing in self.db.execute(
                "SELECT drill, at, verdict, failing FROM checks"):
            timeline.setdefault(drill, []).append((at, 1, "check", Verdict(verdict),
                                                   tuple(json.loads(failing))))
        return {drill: _drill_stats(drill, sorted(rows, key=lambda r: r[:2]))
                for drill, rows in sorted(timeline.items())}

    def daily(self, days: int = 14) -> list[Day]:
        """Checks and passes on each of the last ``days`` local days, today last."""
        today = datetime.date.fromtimestamp(self.clock())
        dates = [today - datetime.timedelta(days=n) for n in range(days - 1, -1, -1)]
        since = time.mktime(dates[0].timetuple())  # local midnight
        counts = {d: [0, 0] for d in dates}
        for at, passed in self.db.execute("SELECT at, passed FROM checks WHERE at >= ?",
                                          (since,)):
            day = counts.get(datetime.date.fromtimestamp(at))
            if day is not None:  # checks dated after today (a clock set back) are left out
                day[0] += 1
                day[1] += bool(passed)
        return [Day(d, *counts[d]) for d in dates]

    def mocks(self) -> list[Mock]:
        """Every mock interview, oldest first."""
        rows = self.db.execute("SELECT id, started_at, ended_at, minutes, drills, score, report,"
                               " finished FROM mocks ORDER BY started_at, id")
        return [Mock(i, start, end, minutes, tuple(json.loads(drills)), score,
                     json.loads(report), bool(finished))
                for i, start, end, minutes, drills, score, report, finished in rows]

    def close(self) -> None:
        self.db.close()


def _drill_stats(drill: str, rows: list[tuple]) -> DrillStats:
    checks = passes = 0
    times: list[float] = []
    run_start: float | None = None  # first check of the current run
    run_passed = False
    last_at = first_at = restarted_at = last_verdict = None
    last_failing: tuple[str, ...] = ()
    failing: set[str] = set()
    for at, _, kind, verdict, failing_now in rows:
        if kind != "check":
            run_start, run_passed, restarted_at = None, False, at
            continue
        checks += 1
        first_at = at if first_at is None else first_at
        last_at, last_verdict, last_failing, restarted_at = at, verdict, failing_now, None
        if verdict is not Verdict.TODO:  # an untouched stub fails "load"; that is no failure
            failing |= set(failing_now)
        if run_start is None:
            run_start = at
        if verdict is Verdict.PASS:
            passes += 1
            if not run_passed:
                times.append(at - run_start)
                run_passed = True
    return DrillStats(
        drill=drill, checks=checks, passes=passes, times_to_pass=tuple(times),
        first_at=first_at, last_at=last_at, last_verdict=last_verdict,
        last_failing=last_failing,
        failing_seen=tuple(c for c in CATEGORIES if c in failing) + tuple(sorted(
            failing - set(CATEGORIES))),
        restarted_at=restarted_at)
