"""The mock interview: the library on a fake clock, then the command in a real terminal."""

import os
import re
import subprocess

import pexpect
import pytest

from handwrite.grader import HandwriteError, UnknownDrill, registry
from handwrite.grader.mock import (
    FORMULA, MockInterview, pick_drills, points, running_mock)
from handwrite.grader.progress import Progress
from handwrite.grader.results import AttemptError, CheckResult, NamedMistake, Scorecard

from conftest import handwrite_cmd


class FakeClock:
    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def card(drill, *failing, mistakes=(), todo=False):
    """A scorecard: passing unless some categories fail."""
    if todo:
        return Scorecard(drill, f"{drill}.py", (CheckResult("load", "loads", False),),
                         error=AttemptError("not_implemented", "untouched stub"))
    checks = [CheckResult("shape", "shape", True)] + [
        CheckResult(c, f"{c} check", False, "wrong", tuple(mistakes)) for c in failing]
    return Scorecard(drill, f"{drill}.py", tuple(checks),
                     tuple(NamedMistake(m, "why") for m in mistakes))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def progress(tmp_path, clock):
    return Progress(tmp_path / "ws", clock=clock)


def start(tmp_path, clock, progress, ids=("softmax", "sdpa"), length_s=600):
    drills = [registry.load(i) for i in ids]
    return MockInterview.start(drills, tmp_path / "ws", length_s, clock=clock, progress=progress)


# Picking drills: from a fixed pool, so that a new drill doesn't change the draws

POOL = ("softmax", "cross_entropy", "sdpa", "attention", "layer_norm", "rms_norm")


def _pool():
    return [registry.load(i) for i in POOL]


def test_pick_is_seeded_counted_and_mixes_levels():
    drills = _pool()
    first = pick_drills(drills, count=3, minutes=45, seed=7)
    assert first == pick_drills(drills, count=3, minutes=45, seed=7)
    assert len(first) == 3 and len({d.id for d in first}) == 3
    assert {d.difficulty for d in first} == {"easy", "medium"}  # one of each level first
    assert [d.difficulty for d in first] == sorted((d.difficulty for d in first),
                                                   key=["easy", "medium", "hard"].index)
    draws = {tuple(d.id for d in pick_drills(drills, count=2, seed=s)) for s in range(20)}
    assert len(draws) > 1


def test_pick_by_tags_and_minutes():
    drills = _pool()
    picked = pick_drills(drills, count=2, minutes=30, tags=["attention"], seed=7)
    assert len(picked) == 2 and all("attention" in d.tags for d in picked)
    # attention (15 min) does not fit in 10 minutes while the easy ones do
    small = pick_drills(drills, count=2, minutes=10, tags=["attention"], seed=1)
    assert [d.id for d in small] == ["sdpa", "attention"]  # too few fit: drawn anyway
    assert all(d.id != "attention" for d in pick_drills(drills, count=1, minutes=10, seed=3,
                                                         tags=["attention"]))
    with pytest.raises(HandwriteError, match="no drill is tagged nope"):
        pick_drills(drills, tags=["nope"])


def test_pick_explicit_keeps_order_and_names_unknown_ids():
    drills = _pool()
    picked = pick_drills(drills, explicit=["attention", "cross-entropy", "attention"])
    assert [d.id for d in picked] == ["attention", "cross_entropy"]
    with pytest.raises(UnknownDrill, match="softmaks"):
        pick_drills(drills, explicit=["softmaks"])


# The session


def test_start_lays_stubs_and_saves_unfinished(tmp_path, clock, progress):
    mock = start(tmp_path, clock, progress)
    assert mock.folder.parent == tmp_path / "ws" and mock.folder.name.startswith("mock-")
    assert mock.path("softmax").read_text() == registry.stub_path("softmax").read_text()
    [saved] = progress.mocks()
    assert saved.drills == ("softmax", "sdpa") and not saved.finished and saved.ended_at is None
    assert saved.minutes == 10 and progress.unfinished_mock().id == mock.mock_id


def test_cards_change_state_and_time_counts(tmp_path, clock, progress):
    mock = start(tmp_path, clock, progress)
    assert mock.on_cards([card("softmax", todo=True), card("sdpa", todo=True)])
    assert mock.states["softmax"].status == "not started"
    assert mock.states["softmax"].failing_seen == []  # an untouched stub is no failure
    clock.now += 12
    [change] = mock.on_cards([card("softmax", "stability", mistakes=["no-max-subtraction"])])
    assert change.at_s == 12 and change.failing == ("stability",) and not change.first_pass
    assert mock.states["softmax"].status == "failing"
    clock.now += 28
    [change] = mock.on_cards([card("softmax")])
    assert change.first_pass
    clock.now += 5
    mock.on_cards([card("softmax", "numerics")])  # broken again: the first pass stays
    s = mock.states["softmax"]
    assert (s.first_pass_s, s.status, s.last_failing) == (40, "passed", ["numerics"])
    assert s.failing_seen == ["numerics", "stability"]  # in CATEGORIES order
    assert s.mistakes_seen == ["no-max-subtraction"] and s.checks == 3
    assert mock.remaining() == 600 - 45 and not mock.time_up


def test_hints_are_counted_and_run_out(tmp_path, clock, progress):
    mock = start(tmp_path, clock, progress)
    hints = registry.load("softmax").hints
    assert mock.hint("softmax") == (1, hints[0])
    assert mock.hint("softmax") == (2, hints[1])
    for _ in hints[2:]:
        mock.hint("softmax")
    assert mock.hint("softmax") is None
    assert mock.states["softmax"].hints_used == len(hints)
    assert progress.mocks()[0].report["states"]["softmax"]["hints_used"] == len(hints)


def test_time_up_ignores_late_saves_and_scores(tmp_path, clock, progress):
    mock = start(tmp_path, clock, progress)
    clock.now += 600
    assert mock.time_up and mock.remaining() == 0
    assert mock.on_cards([card("softmax")]) == []
    clock.now += 30  # noticed late: it still ended at the deadline
    report = mock.finish("time up")
    assert report.ended_by == "time up" and report.used_s == 600 and report.score == 0
    [saved] = progress.mocks()
    assert saved.finished and saved.ended_at == clock.now - 30 and saved.score == 0
    assert saved.report["result"]["score"] == 0
    assert progress.unfinished_mock() is None


def test_score_formula(tmp_path, clock, progress):
    assert points(True, 0, 0, 600) == 100
    assert points(True, 2, 300, 600) == 100 - 20 - 15
    assert points(True, 12, 600, 600) == 0  # floored
    assert points(False, 0, None, 600) == 0
    mock = start(tmp_path, clock, progress)
    mock.hint("softmax")
    clock.now += 120
    mock.on_cards([card("softmax"), card("sdpa", "masking", mistakes=["mask-after-softmax"])])
    clock.now += 60
    report = mock.finish("finished early")
    by_id = {r.drill: r for r in report.drills}
    assert by_id["softmax"].points == 100 - 10 - 30 * 120 / 600 == 84
    assert by_id["sdpa"].points == 0 and report.score == 42
    assert report.formula == FORMULA and "10 × hints" in FORMULA
    assert by_id["sdpa"].failing_seen == ("masking",)
    assert by_id["sdpa"].mistakes_seen == ("mask-after-softmax",)
    assert report.practise_next[0].startswith("sdpa: not passed (mask-after-softmax)")
    assert report.practise_next[1].startswith("softmax: passed with 1 hint")
    assert progress.mocks()[0].score == pytest.approx(0.42)


def test_resume_continues_with_the_wall_clock_deadline(tmp_path, clock, progress):
    mock = start(tmp_path, clock, progress)
    clock.now += 100
    mock.hint("sdpa")
    mock.on_cards([card("softmax")])
    clock.now += 200  # the program was not running: the clock ran on
    again = MockInterview.resume(Progress(tmp_path / "ws", clock=clock), clock=clock)
    assert again.mock_id == mock.mock_id and again.folder == mock.folder
    assert [d.id for d in again.drills] == ["softmax", "sdpa"]
    assert again.remaining() == 300 and again.states["softmax"].first_pass_s == 100
    assert again.states["sdpa"].hints_used == 1
    clock.now += 300
    assert again.time_up
    again.finish("time up")
    with pytest.raises(HandwriteError, match="no unfinished mock"):
        MockInterview.resume(progress, clock=clock)


def test_solutions_lock_while_a_mock_holds_the_drill(tmp_path, clock, progress):
    mock = start(tmp_path, clock, progress)
    assert running_mock(progress, "softmax").id == mock.mock_id
    assert running_mock(progress, "attention") is None
    clock.now += 601  # past its deadline, even if never finished
    assert running_mock(progress, "softmax") is None
    clock.now -= 601
    mock.finish("finished early")
    assert running_mock(progress, "softmax") is None


# The command


def _env(home):
    return {**os.environ, "HANDWRITE_HOME": str(home), "COLUMNS": "80", "LINES": "50"}


def test_solution_refuses_during_a_mock(tmp_path):
    home = tmp_path / "ws"
    MockInterview.start([registry.load("softmax")], home, 600, progress=Progress(home))
    done = subprocess.run(handwrite_cmd() + ["solution", "softmax", "--yes"], env=_env(home),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "locked" in done.stderr and "def softmax" not in done.stdout


def test_mock_in_a_terminal(tmp_path):
    home = tmp_path / "ws"
    cmd = handwrite_cmd()
    child = pexpect.spawn(cmd[0], cmd[1:] + ["mock", "--drills", "softmax", "--minutes", "5",
                                             "--seed", "1"],
                          env=_env(home), encoding="utf-8", timeout=30, dimensions=(50, 80))
    child.expect("mock interview")
    child.expect("not started")  # graded once: the panel is live
    [folder] = home.glob("mock-*")
    tmp = folder / "softmax.tmp~"  # saved as many editors do: write, then rename
    tmp.write_text(registry.reference_path("softmax").read_text())
    tmp.replace(folder / "softmax.py")
    child.expect("passed at 00:")
    child.send("h")
    child.expect("hints 1/")
    child.expect("hint softmax 1/")
    child.send("q")
    child.expect(r"finish now\? \[y/N\]")
    child.send("y")
    child.expect("finished early")
    child.expect("score")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    stats = subprocess.run(cmd + ["stats"], env=_env(home), capture_output=True, text=True,
                           timeout=60)
    assert "Mock interviews" in stats.stdout
    line = next(li for li in stats.stdout.splitlines() if "softmax" in li and "%" in li)
    assert " 5 " in line and "%" in line
    [saved] = Progress(home).mocks()
    assert saved.finished and saved.report["states"]["softmax"]["hints_used"] == 1
    assert 80 <= saved.score * 100 < 100  # passed with one hint, within seconds


def test_mock_plain_ends_at_time_up(tmp_path):
    home = tmp_path / "ws"
    done = subprocess.run(handwrite_cmd() + ["mock", "--drills", "softmax,sdpa", "--plain",
                                             "--seconds", "6"],
                          env=_env(home), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.search(r"^00:0\d softmax not started$", done.stdout, re.M)
    assert re.search(r"^00:0\d sdpa not started$", done.stdout, re.M)
    assert lines.index("00:06 time up") > 1
    assert "\x1b[" not in done.stdout  # piped: no colour, no cursor movement
    assert "time up after 00:06 of 00:06" in done.stdout and "score 0/100" in done.stdout
    assert "softmax: not passed (not started)" in done.stdout
    [saved] = Progress(home).mocks()
    assert saved.finished and saved.score == 0 and saved.drills == ("softmax", "sdpa")


def test_resume_after_ctrl_c(tmp_path):
    home = tmp_path / "ws"
    cmd = handwrite_cmd()
    child = pexpect.spawn(cmd[0], cmd[1:] + ["mock", "--drills", "rms_norm", "--plain"],
                          env=_env(home), encoding="utf-8", timeout=30, dimensions=(50, 80))
    child.expect("rms_norm not started")
    child.sendintr()
    child.expect("--resume")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    [saved] = Progress(home).mocks()
    assert not saved.finished and saved.ended_at is None
    child = pexpect.spawn(cmd[0], cmd[1:] + ["mock", "--resume", "--plain"], env=_env(home),
                          encoding="utf-8", timeout=30, dimensions=(50, 80))
    child.expect(f"resuming mock interview {saved.id}: 4[45]:")
    child.expect("rms_norm not started")
    child.sendintr()
    child.expect(pexpect.EOF)
