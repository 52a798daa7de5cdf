"""History and progress: the SQLite schema and its migrations, stats, the `next` rule, and the
`stats`, `next` and `list` commands. No test here grades an attempt: histories are made up."""

import datetime
import multiprocessing
import re
import sqlite3
import time

import pytest
from typer.testing import CliRunner

from handwrite.cli import app
from handwrite.grader import progress as progress_module
from handwrite.grader.advice import RULE, ago, clock_time, recommend
from handwrite.grader.progress import SCHEMA_VERSION, NewerProgress, Progress
from handwrite.grader.results import AttemptError, CheckResult, Scorecard
from handwrite.grader.spec import Drill

runner = CliRunner()
ANSI = re.compile(r"\x1b\[")
DAY = 86400.0
T0 = time.mktime((2026, 3, 2, 9, 0, 0, 0, 0, -1))  # a Monday, 09:00 local time

# Schema version 1 exactly as handwrite 0.1 wrote it: databases on disk look like this.
V1_SCHEMA = """
CREATE TABLE checks (
    id INTEGER PRIMARY KEY, drill TEXT NOT NULL, at REAL NOT NULL, passed INTEGER NOT NULL,
    verdict TEXT NOT NULL, checks_passed INTEGER NOT NULL, checks_total INTEGER NOT NULL,
    failing TEXT NOT NULL, mistakes TEXT NOT NULL, elapsed_s REAL NOT NULL, result TEXT NOT NULL
);
CREATE INDEX checks_by_drill ON checks (drill, at);
CREATE TABLE hints (drill TEXT PRIMARY KEY, shown INTEGER NOT NULL);
PRAGMA user_version = 1;
"""


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = T0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def card(drill: str, failing: tuple[str, ...] = (), stub: bool = False) -> Scorecard:
    """A scorecard with one check per category; those in ``failing`` fail."""
    if stub:
        return Scorecard(drill, f"{drill}.py", (CheckResult("load", "loads", False, "stub"),),
                         error=AttemptError("not_implemented", "not implemented yet"))
    return Scorecard(drill, f"{drill}.py", tuple(
        CheckResult(c, c, c not in failing, "wrong" if c in failing else "")
        for c in ("load", "shape", "numerics", "masking", "stability")))


def fake_drill(drill_id: str, difficulty: str = "easy", minutes: int = 5) -> Drill:
    return Drill(id=drill_id, title=drill_id.title(), difficulty=difficulty, tags=("t",),
                 minutes=minutes, entry=drill_id, reference=None, cases=(), mistakes=(),
                 hints=("h",))


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input, env={"NO_COLOR": "1", "COLUMNS": "80"})


# The schema and its migrations

def test_v1_database_is_upgraded_and_keeps_its_rows(tmp_path):
    db = sqlite3.connect(tmp_path / "progress.db")
    db.executescript(V1_SCHEMA)
    db.execute("INSERT INTO checks (drill, at, passed, verdict, checks_passed, checks_total,"
               " failing, mistakes, elapsed_s, result) VALUES"
               " ('softmax', ?, 1, 'pass', 19, 19, '[]', '[]', 0.4, '{}')", (T0,))
    db.execute("INSERT INTO hints VALUES ('softmax', 2)")
    db.commit()
    db.close()

    progress = Progress(tmp_path, clock=Clock(T0 + DAY))
    assert progress.version == SCHEMA_VERSION == 2
    assert progress.moved_aside is None
    softmax = progress.stats()["softmax"]
    assert (softmax.checks, softmax.passes, softmax.status) == (1, 1, "passed")
    assert progress.hints_shown("softmax") == 2
    progress.record_event("softmax", "reset")  # the v2 tables are there
    assert progress.record_mock(["softmax"], 20, started_at=T0) == 1
    assert progress.stats()["softmax"].status == "started"
    progress.close()
    assert Progress(tmp_path).version == SCHEMA_VERSION  # opening again changes nothing


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    db = sqlite3.connect(tmp_path / "progress.db")
    db.executescript(V1_SCHEMA)
    db.close()

    def half_done(db):
        db.execute("CREATE TABLE half (x)")
        raise RuntimeError("step failed")

    monkeypatch.setattr(progress_module, "MIGRATIONS", progress_module.MIGRATIONS + (half_done,))
    monkeypatch.setattr(progress_module, "SCHEMA_VERSION", 3)
    with pytest.raises(RuntimeError, match="step failed"):
        Progress(tmp_path)
    db = sqlite3.connect(tmp_path / "progress.db")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1  # v2 and v3 in one transaction
    assert tables == {"checks", "hints"}


def test_a_database_from_a_newer_handwrite_is_a_clear_error_and_left_alone(workspace):
    workspace.mkdir()
    db = sqlite3.connect(workspace / "progress.db")
    db.execute("CREATE TABLE future (x)")
    db.execute("PRAGMA user_version = 7")
    db.commit()
    db.close()
    before = (workspace / "progress.db").read_bytes()

    with pytest.raises(NewerProgress, match=r"newer handwrite \(history schema v7; this one "
                                            r"reads up to v2\)"):
        Progress(workspace)
    stats = run("stats")
    assert stats.exit_code == 2 and "newer handwrite" in " ".join(stats.stderr.split())
    assert "Traceback" not in stats.output
    listing = run("list")  # practice goes on without the history
    assert listing.exit_code == 0 and "softmax" in listing.stdout
    assert "newer handwrite" in " ".join(listing.stderr.split())
    assert (workspace / "progress.db").read_bytes() == before
    assert not list(workspace.glob("progress.damaged-*"))


def test_a_damaged_database_is_moved_aside_and_the_command_still_works(workspace):
    workspace.mkdir()
    garbage = b"this is not sqlite\n" * 100
    (workspace / "progress.db").write_bytes(garbage)

    result = run("list")
    assert result.exit_code == 0 and "softmax" in result.stdout
    assert "damaged" in result.stderr and "Traceback" not in result.output
    [moved] = workspace.glob("progress.damaged-*.db")
    assert moved.read_bytes() == garbage and moved.name in result.stderr.replace("\n", "")
    progress = Progress(workspace)  # the new one works
    assert progress.moved_aside is None and progress.version == SCHEMA_VERSION


def test_damage_is_reported_by_the_library_too(tmp_path):
    (tmp_path / "progress.db").write_bytes(b"\0" * 5000)
    progress = Progress(tmp_path)
    assert progress.moved_aside is not None and progress.moved_aside.exists()
    progress.record(card("softmax"))
    assert progress.stats()["softmax"].checks == 1


def _record_many(workspace, start, count, name):
    start.wait()  # both processes open the fresh file, migrate it and write at the same time
    progress = Progress(workspace)
    for _ in range(count):
        progress.record(card(name))
    progress.close()


def test_two_processes_recording_at_once_lose_nothing(tmp_path):
    context = multiprocessing.get_context("fork")
    start = context.Barrier(2)
    workers = [context.Process(target=_record_many, args=(tmp_path, start, 30, name))
               for name in ("softmax", "sdpa")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    db = sqlite3.connect(tmp_path / "progress.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    counts = dict(db.execute("SELECT drill, COUNT(*) FROM checks GROUP BY drill"))
    assert counts == {"softmax": 30, "sdpa": 30}
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert not list(tmp_path.glob("progress.damaged-*"))


def test_unknown_event_kinds_are_refused(tmp_path):
    with pytest.raises(ValueError, match="attempt"):
        Progress(tmp_path).record_event("softmax", "finished")


# Stats

def test_stats_on_a_made_up_history(tmp_path):
    clock = Clock()
    p = Progress(tmp_path, clock=clock)
    p.record_event("softmax", "attempt")
    clock.advance(600)
    p.record(card("softmax", stub=True))  # run 1 starts: its first check
    clock.advance(120)
    p.record(card("softmax", ("numerics", "stability")))
    clock.advance(180)
    p.record(card("softmax"))  # run 1 passes 300 s after its first check
    clock.advance(60)
    p.record(card("softmax", ("shape",)))  # after the pass: changes no time
    clock.advance(DAY)
    p.record_event("softmax", "reset")
    clock.advance(3600)
    p.record(card("softmax", ("numerics",)))  # run 2 starts
    clock.advance(100)
    p.record(card("softmax"))  # run 2 passes in 100 s
    clock.advance(DAY)
    p.record_event("softmax", "reset")
    clock.advance(50)
    p.record(card("softmax"))  # run 3 passes at its first check: 0 s
    p.record(card("sdpa", ("masking",)))

    s = p.stats()
    softmax = s["softmax"]
    assert (softmax.checks, softmax.passes) == (7, 3)
    assert softmax.times_to_pass == (300.0, 100.0, 0.0)
    assert (softmax.best_s, softmax.median_s) == (0.0, 100.0)
    # "load" failed only in the untouched stub: that is no failure
    assert softmax.failing_seen == ("shape", "numerics", "stability")
    assert softmax.first_at == T0 + 600 and softmax.last_at == clock.now
    assert softmax.status == "passed" and softmax.ever_passed
    sdpa = s["sdpa"]
    assert (sdpa.checks, sdpa.passes, sdpa.best_s, sdpa.median_s) == (1, 0, None, None)
    assert sdpa.status == "failing" and sdpa.last_failing == ("masking",)
    assert set(s) == {"softmax", "sdpa"}


def test_status_follows_the_last_check_and_the_last_stub(tmp_path):
    clock = Clock()
    p = Progress(tmp_path, clock=clock)
    p.record_event("rms_norm", "attempt")
    p.record(card("layer_norm", stub=True))
    p.record(card("softmax"))
    clock.advance(10)
    p.record_event("softmax", "reset")
    statuses = {d: s.status for d, s in p.stats().items()}
    assert statuses == {"rms_norm": "started", "layer_norm": "started", "softmax": "started"}
    clock.advance(10)
    p.record(card("softmax", ("numerics",)))
    assert p.stats()["softmax"].status == "failing"


def test_daily_counts_checks_and_passes_per_local_day(tmp_path):
    clock = Clock()
    p = Progress(tmp_path, clock=clock)
    p.record(card("softmax", ("numerics",)))
    p.record(card("softmax"))
    clock.advance(2 * DAY)
    p.record(card("sdpa", ("masking",)))
    clock.advance(20 * DAY)  # far out of a 14-day window
    p.record(card("sdpa"))
    clock.advance(-20 * DAY)
    days = p.daily(3)
    today = datetime.date.fromtimestamp(clock.now)
    assert [d.date for d in days] == [today - datetime.timedelta(n) for n in (2, 1, 0)]
    assert [(d.checks, d.passes) for d in days] == [(2, 1), (0, 0), (1, 0)]
    assert len(p.daily()) == 14


def test_mocks_keep_their_history(tmp_path):
    p = Progress(tmp_path, clock=Clock(T0 + 3600))
    assert p.mocks() == []
    first = p.record_mock(["softmax", "sdpa"], 30, started_at=T0, score=0.75,
                          report={"softmax": "pass"})
    p.record_mock(["attention"], 45, started_at=T0 - DAY, finished=False)
    late, early = p.mocks()[1], p.mocks()[0]
    assert (early.drills, early.finished, early.ended_at, early.score) == (
        ("attention",), False, None, None)
    assert (late.id, late.drills, late.minutes, late.score) == (first, ("softmax", "sdpa"), 30,
                                                                0.75)
    assert late.ended_at == T0 + 3600 and late.report == {"softmax": "pass"} and late.finished


def test_times_and_dates_in_words():
    assert [clock_time(s) for s in (0, 65.4, 600, 3725)] == ["0:00", "1:05", "10:00", "1:02:05"]
    now = T0 + 12 * 3600  # 21:00
    assert ago(now - 5, now) == "just now"
    assert ago(now - 300, now) == "5 min ago"
    assert ago(now - 3 * 3600, now) == "3 h ago"
    assert ago(now - 30 * 3600, now) == "yesterday"
    assert ago(now - 4 * DAY, now) == "4 days ago"
    assert ago(now - 20 * DAY, now) == "2 weeks ago"
    assert ago(now - 100 * DAY, now) == "3 months ago"


# The `next` rule

DRILLS = [fake_drill("attention", "medium", 15), fake_drill("cross_entropy", "easy", 8),
          fake_drill("rms_norm", "easy", 5), fake_drill("softmax", "easy", 5)]


def advise(build) -> tuple[str, str, str]:
    """The advice on the history ``build(progress, clock)`` makes."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        clock = Clock()
        p = Progress(Path(folder), clock=clock)
        build(p, clock)
        a = recommend(DRILLS, p.stats(), clock())
        p.close()
    return a.drill, a.kind, a.reason


def test_next_starts_with_the_easiest_new_drill():
    # easy before medium, then the shorter budget, then the id
    assert advise(lambda p, c: None)[:2] == ("rms_norm", "new")

    def rms_done(p, c):
        p.record(card("rms_norm"))
    drill, kind, reason = advise(rms_done)
    assert (drill, kind) == ("softmax", "new") and "never tried" in reason


def test_next_finishes_what_you_started_first():
    def history(p, c):
        p.record(card("softmax", ("numerics", "stability")))
        c.advance(3600)
        p.record(card("rms_norm", ("shape",)))
        c.advance(2 * 3600)
    drill, kind, reason = advise(history)
    assert (drill, kind) == ("rms_norm", "unfinished")  # the latest, over never-tried ones
    assert reason == "failing at its last check (shape), 2 h ago"

    def started(p, c):
        p.record(card("softmax", ("numerics",)))
        c.advance(600)
        p.record_event("cross_entropy", "attempt")
        c.advance(60)
    drill, kind, reason = advise(started)
    assert (drill, kind, reason) == ("cross_entropy", "unfinished",
                                     "started 1 min ago, not passing yet")


def test_next_asks_for_a_drill_reset_after_passing():
    def history(p, c):
        for d in DRILLS:
            p.record(card(d.id))
        c.advance(DAY)
        p.record_event("attention", "reset")
    assert advise(history)[:2] == ("attention", "unfinished")


def test_next_then_the_slowest_against_its_budget():
    def history(p, c):
        for d in DRILLS:
            p.record(card(d.id, ("numerics",)))
            c.advance({"softmax": 400, "cross_entropy": 600, "rms_norm": 100}.get(d.id, 60))
            p.record(card(d.id))  # softmax: 400 s of 300; cross_entropy: 600 of 480
    drill, kind, reason = advise(history)
    assert (drill, kind) == ("softmax", "slow")
    assert reason == "passed, but in 6:40 median against a 5 min budget"


def test_next_then_the_longest_unseen():
    def history(p, c):
        for d in ("softmax", "attention", "rms_norm", "cross_entropy"):
            p.record(card(d))  # each passed at its first check
            c.advance(DAY)
    drill, kind, reason = advise(history)
    assert (drill, kind) == ("softmax", "unseen")
    assert reason == "passed in time; last practised 4 days ago, the longest ago of all"


def test_next_has_nothing_to_say_without_drills():
    assert recommend([], {}, T0) is None


# The commands

def test_stats_when_there_is_no_history(workspace):
    result = run("stats")
    assert result.exit_code == 0
    assert "No checks yet" in result.stdout and "handwrite next" in result.stdout


def test_stats_shows_drills_mocks_and_a_chart(workspace):
    now = time.time()
    clock = Clock(now - 3 * DAY)
    p = Progress(workspace, clock=clock)
    p.record(card("softmax", ("numerics", "stability")))
    clock.advance(125)
    p.record(card("softmax"))
    clock.now = now - 70
    p.record(card("sdpa", ("masking",)))
    p.close()

    result = run("stats")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert not ANSI.search(out)
    assert max(len(line) for line in out.splitlines()) <= 80
    softmax = next(line for line in out.splitlines() if line.startswith("softmax "))
    assert softmax.split()[:5] == ["softmax", "2", "1", "2:05", "2:05"]
    assert ago(now - 3 * DAY + 125, now) in softmax and "numerics, stability" in softmax
    sdpa = next(line for line in out.splitlines() if line.startswith("sdpa "))
    assert "1 min ago" in sdpa and "masking" in sdpa
    assert "Mock interviews" in out and "none yet" in out
    # The chart: one column a day, today last, scaled to the busiest day.
    today = datetime.date.fromtimestamp(now)
    per_day = [0] * 14
    for at in (now - 3 * DAY, now - 3 * DAY + 125, now - 70):
        per_day[13 - (today - datetime.date.fromtimestamp(at)).days] += 1
    bars = {0: "·", 1: "█" if max(per_day) == 1 else "▄", 2: "█", 3: "█"}
    chart = next(line for line in out.splitlines() if line.startswith("checks "))
    assert chart.split()[1:] == [bars[n] for n in per_day]
    assert f"3 checks and 1 pass on {sum(map(bool, per_day))} days of 14" in out


def test_stats_lists_mock_interviews(workspace):
    p = Progress(workspace)
    p.record(card("softmax"))
    p.record_mock(["softmax", "sdpa"], 30, started_at=time.time() - 1800, score=0.5)
    p.record_mock(["attention"], 45, started_at=time.time() - 600, finished=False)
    p.close()
    out = run("stats").stdout
    mocks = out[out.index("Mock interviews"):out.index("Last 14 days")]
    assert "50%" in mocks and "softmax, sdpa" in mocks
    assert "abandoned" in mocks and "attention" in mocks and "none yet" not in mocks


def test_next_command_renders_the_advice(workspace):
    fresh = run("next")
    assert fresh.exit_code == 0, fresh.output
    lines = fresh.stdout.splitlines()
    assert lines[0].startswith("Next: ") and lines[1].startswith("why: never tried")
    assert re.search(r"^run: handwrite attempt \w+$", fresh.stdout, re.M)
    assert "rule: " in fresh.stdout and max(len(line) for line in lines) <= 80
    assert " ".join(fresh.stdout.split()).endswith(RULE)

    assert run("attempt", "sdpa").exit_code == 0  # records that sdpa was started
    started = run("next")
    assert started.stdout.startswith("Next: sdpa")
    assert "why: started just now, not passing yet" in started.stdout
    assert "run: handwrite check sdpa" in started.stdout


def test_attempt_and_reset_record_events(workspace):
    run("attempt", "softmax")
    run("attempt", "softmax")  # already there: no new stub, no event
    run("reset", "softmax", "--yes")
    events = Progress(workspace).db.execute(
        "SELECT drill, kind FROM events ORDER BY id").fetchall()
    assert events == [("softmax", "attempt"), ("softmax", "reset")]


def test_list_shows_each_drills_status(workspace):
    p = Progress(workspace)
    p.record(card("softmax", ("stability",)))
    p.record(card("softmax"))
    p.record(card("sdpa", ("numerics",)))
    p.record(card("sdpa", ("masking", "stability")))
    p.record(card("layer_norm", stub=True))
    p.close()
    result = run("list")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.stdout.splitlines()
            if line and not line.startswith(" ")}
    lines = result.stdout.splitlines()
    assert "✓ passed" in rows["softmax"]
    # the last check's failing categories, wrapped in a 20-column status
    assert "failing (masking," in rows["sdpa"]
    assert "stability)" in lines[lines.index(rows["sdpa"]) + 1]
    assert "numerics" not in rows["sdpa"]  # failed before, not now
    assert "started" in rows["layer_norm"]
    assert rows["rms_norm"].split()[3] == "—"
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert not ANSI.search(result.stdout)
