"""The timed mock interview: a few drills, one clock, hints counted, a scored report.

No terminal and no rich here: the CLI feeds in scorecards (from watch mode) and key presses,
and renders what this module keeps. Time comes from an injected ``clock`` (unix seconds), so
tests replay a whole interview without sleeping.

The deadline is wall-clock: ``started_at + length_s``. Time passes while the program is not
running (Ctrl-C, a closed terminal), as it would in a real interview; ``--resume`` continues
with whatever is left, and a mock resumed after its deadline ends at once, as "time up".
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from . import registry
from .errors import HandwriteError, UnknownDrill
from .progress import Mock, Progress
from .results import Scorecard, Verdict
from .i18n import both, say, tr
from .spec import CATEGORIES, CATEGORY_NAMES, DIFFICULTIES, Drill

Clock = Callable[[], float]
STATE_VERSION = 1
HINT_PENALTY = 10  # points off a passed drill per hint used
TIME_PENALTY = 30  # points off a passed drill that passed at the very end of the mock
FORMULA = both("per drill: 0 if not passed, else 100 − {h} × hints − {t} × (time to first pass "
               "÷ mock length), floored at 0; score = the mean over the drills",
               "每题：没通过得 0 分，否则 100 − {h} × 提示数 − {t} ×（首次通过用时 ÷ 模拟时长），"
               "最低 0 分；总分 = 各题平均", h=HINT_PENALTY, t=TIME_PENALTY)


def mmss(seconds: float) -> str:
    """mm:ss, e.g. 07:05 (minutes go past 59 rather than into hours)."""
    m, s = divmod(max(0, int(round(seconds))), 60)
    return f"{m:02d}:{s:02d}"


def pick_drills(all_drills: list[Drill], count: int = 3, minutes: int = 45,
                tags: list[str] | None = None, seed: int | None = None,
                explicit: list[str] | None = None) -> list[Drill]:
    """The drills of a mock interview.

    ``explicit`` names them (ids or aliases, in that order). Otherwise ``count`` drills are
    drawn with ``random.Random(seed)`` from those carrying any of ``tags``: one of each level
    in turn (easy, medium, hard) so that the levels mix, skipping a drill whose time budget
    would take the total past ``minutes`` while others fit (a soft limit: if too few fit, the
    rest are drawn anyway). The result is ordered easiest first.
    """
    by_id = {d.id: d for d in all_drills}
    if explicit:
        chosen: list[Drill] = []
        for name in explicit:
            drill_id = name if name in by_id else registry.resolve(name)
            if drill_id not in by_id:
                raise UnknownDrill(name, [], sorted(by_id))
            if all(d.id != drill_id for d in chosen):
                chosen.append(by_id[drill_id])
        return chosen
    if count < 1:
        raise HandwriteError(tr("--count must be at least 1, not {n}", "--count 至少为 1，不能是 {n}",
                                n=count))
    pool = [d for d in all_drills if not tags or set(tags) & set(d.tags)]
    if not pool:
        known = sorted({t for d in all_drills for t in d.tags})
        raise HandwriteError(tr("no drill is tagged {tags}: tags are {known}",
                                "没有带 {tags} 标签的题目：已有标签为 {known}",
                                tags=", ".join(tags or []), known=", ".join(known)))
    rng = random.Random(seed)
    levels = []
    for level in DIFFICULTIES:
        group = sorted((d for d in pool if d.difficulty == level), key=lambda d: d.id)
        rng.shuffle(group)
        levels.append(group)
    order = []  # round robin over the levels
    while any(levels):
        for group in levels:
            if group:
                order.append(group.pop(0))
    chosen, skipped, total = [], [], 0
    for drill in order:
        if len(chosen) == count:
            break
        if total + drill.minutes <= minutes:
            chosen.append(drill)
            total += drill.minutes
        else:
            skipped.append(drill)
    chosen += skipped[:count - len(chosen)]
    rank = {level: i for i, level in enumerate(DIFFICULTIES)}
    drawn = [d.id for d in order]
    return sorted(chosen, key=lambda d: (rank[d.difficulty], drawn.index(d.id)))


@dataclass
class DrillState:
    """One drill during a mock interview."""

    drill: str
    hints_used: int = 0
    first_pass_s: float | None = None  # seconds from the mock's start to its first pass
    failing_seen: list[str] = field(default_factory=list)  # categories, CATEGORIES order
    mistakes_seen: list[str] = field(default_factory=list)  # named mistake ids, first seen first
    last_verdict: str | None = None  # Verdict value of the last grading
    last_failing: list[str] = field(default_factory=list)  # failing categories, last grading
    checks: int = 0  # gradings of a touched file (an untouched stub is not counted)

    @property
    def status(self) -> str:
        """'not started', 'passed' (first pass made; see ``last_verdict`` for now) or
        'failing'."""
        if self.first_pass_s is not None:
            return "passed"
        if self.last_verdict in (None, Verdict.TODO.value):
            return "not started"
        return "failing"


@dataclass(frozen=True)
class Change:
    """What one scorecard changed: for the one-line-per-event output."""

    drill: str
    at_s: float  # seconds since the mock started
    verdict: Verdict
    failing: tuple[str, ...]
    mistakes: tuple[str, ...]
    first_pass: bool  # this grading is the drill's first pass


@dataclass(frozen=True)
class DrillResult:
    """One drill in the final report."""

    drill: str
    title: str
    passed: bool  # passed at least once before the end
    first_pass_s: float | None
    budget_min: int  # the drill's own time budget
    hints_used: int
    hints_total: int
    failing_seen: tuple[str, ...]
    mistakes_seen: tuple[str, ...]
    points: float  # 0..100, by FORMULA


@dataclass(frozen=True)
class Report:
    """The end of a mock interview."""

    mock_id: int | None
    ended_by: str  # 'time up', 'finished early' or 'interrupted'
    length_s: float
    used_s: float  # from the start to the end (or to now, while it runs)
    drills: tuple[DrillResult, ...]
    score: float  # 0..100
    formula: str
    practise_next: tuple[str, ...]  # one line each, most useful first

    def to_json(self) -> dict:
        return asdict(self)


def points(passed: bool, hints: int, first_pass_s: float | None, length_s: float) -> float:
    """A drill's points by :data:`FORMULA`."""
    if not passed or first_pass_s is None:
        return 0.0
    used = min(1.0, max(0.0, first_pass_s) / length_s) if length_s > 0 else 1.0
    return max(0.0, 100.0 - HINT_PENALTY * hints - TIME_PENALTY * used)


class MockInterview:
    """One mock interview: its drills, folder, clock and each drill's state.

    Every change is saved to ``progress`` (if given) as it happens, unfinished, so an
    interrupted session loses nothing and :meth:`resume` can continue it.
    """

    def __init__(self, drills: list[Drill], folder: Path, length_s: float, *,
                 started_at: float, clock: Clock = time.time, progress: Progress | None = None,
                 mock_id: int | None = None, seed: int | None = None,
                 states: dict[str, DrillState] | None = None):
        self.drills = list(drills)
        self.folder = Path(folder)
        self.length_s = float(length_s)
        self.started_at = started_at
        self.clock = clock
        self.progress = progress
        self.mock_id = mock_id
        self.seed = seed
        self.states = states or {d.id: DrillState(d.id) for d in self.drills}
        self.ended_by: str | None = None
        self.ended_at: float | None = None

    # Starting and resuming

    @classmethod
    def start(cls, drills: list[Drill], home: Path, length_s: float, *,
              clock: Clock = time.time, progress: Progress | None = None,
              seed: int | None = None) -> MockInterview:
        """Lay fresh stubs into ``<home>/mock-<date-time>/`` and start the clock."""
        if not drills:
            raise HandwriteError(tr("a mock interview needs at least one drill",
                                    "模拟面试至少需要一道题"))
        now = clock()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        folder, n = home / f"mock-{stamp}", 1
        while folder.exists():
            folder, n = home / f"mock-{stamp}-{n}", n + 1
        folder.mkdir(parents=True)
        for drill in drills:
            (folder / f"{drill.id}.py").write_text(registry.stub_text(drill.id))
        mock = cls(drills, folder, length_s, started_at=now, clock=clock, progress=progress,
                   seed=seed)
        mock.save()
        return mock

    @classmethod
    def resume(cls, progress: Progress, clock: Clock = time.time,
               load: Callable[[str], Drill] = registry.load) -> MockInterview:
        """The last unfinished mock interview of ``progress``, as it was saved."""
        saved = progress.unfinished_mock()
        if saved is None:
            raise HandwriteError(tr("no unfinished mock interview to resume: start one with "
                                    "`handwrite mock`", "没有未完成的模拟面试可以继续："
                                    "用 `handwrite mock` 开始一场"))
        state = saved.report
        folder = Path(state.get("folder", ""))
        if not folder.is_dir():
            raise HandwriteError(tr("the mock interview's folder {folder} is gone: start a new "
                                    "one with `handwrite mock`", "模拟面试的文件夹 {folder} 不见了："
                                    "用 `handwrite mock` 开始新的一场", folder=folder))
        states = {d: DrillState(**s) for d, s in state.get("states", {}).items()}
        return cls([load(d) for d in saved.drills], folder, mock_length(saved),
                   started_at=saved.started_at, clock=clock, progress=progress,
                   mock_id=saved.id, seed=state.get("seed"), states=states)

    # The clock

    @property
    def deadline(self) -> float:
        return self.started_at + self.length_s

    def elapsed(self) -> float:
        return max(0.0, (self.ended_at or self.clock()) - self.started_at)

    def remaining(self) -> float:
        return max(0.0, self.deadline - (self.ended_at or self.clock()))

    @property
    def time_up(self) -> bool:
        return self.clock() >= self.deadline

    @property
    def finished(self) -> bool:
        return self.ended_by is not None

    # What happens during the interview

    def attempts(self) -> list[tuple[str, Path]]:
        """(drill id, file) of every drill, for :func:`handwrite.grader.watch.watch`."""
        return [(d.id, self.path(d.id)) for d in self.drills]

    def path(self, drill_id: str) -> Path:
        return self.folder / f"{drill_id}.py"

    def on_cards(self, cards: list[Scorecard]) -> list[Change]:
        """Take in new scorecards; returns what each changed. Ignored once the mock has ended
        or its time is up (a save after the deadline does not count)."""
        if self.finished or self.time_up:
            return []
        at = self.elapsed()
        changes = []
        for card in cards:
            state = self.states.get(card.drill)
            if state is None:
                continue
            verdict = card.verdict
            state.last_verdict = verdict.value
            state.last_failing = list(card.failing_categories)
            first = False
            if verdict is not Verdict.TODO:  # an untouched stub fails "load"; no failure
                state.checks += 1
                seen = set(state.failing_seen) | set(card.failing_categories)
                state.failing_seen = [c for c in CATEGORIES if c in seen] + sorted(
                    seen - set(CATEGORIES))
                for m in card.mistakes:
                    if m.id not in state.mistakes_seen:
                        state.mistakes_seen.append(m.id)
                if verdict is Verdict.PASS and state.first_pass_s is None:
                    state.first_pass_s, first = at, True
            changes.append(Change(card.drill, at, verdict, card.failing_categories,
                                  tuple(m.id for m in card.mistakes), first))
        if changes:
            self.save()
        return changes

    def hint(self, drill_id: str) -> tuple[int, str] | None:
        """Count and return the drill's next hint as (1-based number, text); None when all
        its hints are used or the mock has ended."""
        drill = next(d for d in self.drills if d.id == drill_id)
        state = self.states[drill_id]
        if self.finished or state.hints_used >= len(drill.hints):
            return None
        state.hints_used += 1
        self.save()
        return state.hints_used, say(drill.hints[state.hints_used - 1])

    def finish(self, ended_by: str) -> Report:
        """End the mock ('time up' or 'finished early'): score it and save it as finished."""
        if not self.finished:
            self.ended_at = min(self.clock(), self.deadline)
            self.ended_by = ended_by
            report = self.report()
            if self.progress is not None and self.mock_id is not None:
                self.progress.update_mock(self.mock_id, ended_at=self.ended_at,
                                          score=report.score / 100, finished=True,
                                          report=self.state() | {"result": report.to_json()})
        return self.report()

    # Results

    def report(self) -> Report:
        """The report as of now (final once the mock has ended)."""
        results = []
        for drill in self.drills:
            s = self.states[drill.id]
            passed = s.first_pass_s is not None
            results.append(DrillResult(
                drill.id, drill.title, passed, s.first_pass_s, drill.minutes, s.hints_used,
                len(drill.hints), tuple(s.failing_seen), tuple(s.mistakes_seen),
                round(points(passed, s.hints_used, s.first_pass_s, self.length_s), 1)))
        score = round(sum(r.points for r in results) / len(results), 1) if results else 0.0
        return Report(self.mock_id, self.ended_by or "interrupted", self.length_s,
                      self.elapsed(), tuple(results), score, FORMULA, _practise_next(results))

    def state(self) -> dict:
        """What is saved: enough to resume (the ``report`` column of the mocks table)."""
        return {"version": STATE_VERSION, "folder": str(self.folder),
                "length_s": self.length_s, "seed": self.seed, "ended_by": self.ended_by,
                "states": {d: asdict(s) for d, s in self.states.items()}}

    def save(self) -> None:
        if self.progress is None or self.finished:
            return
        if self.mock_id is None:
            self.mock_id = self.progress.record_mock(
                [d.id for d in self.drills], math.ceil(self.length_s / 60),
                started_at=self.started_at, report=self.state(), finished=False)
        else:
            self.progress.update_mock(self.mock_id, report=self.state())


def _practise_next(results: list[DrillResult]) -> tuple[str, ...]:
    """Not passed first (with what failed), then passed only with hints, then slow passes."""
    lines = []
    for r in results:
        if not r.passed:
            met = (", ".join(r.mistakes_seen)
                   or ", ".join(say(CATEGORY_NAMES.get(c, c)) for c in r.failing_seen)
                   or tr("not started", "未开始"))
            lines.append(tr("{id}: not passed ({met}): handwrite attempt {id}",
                            "{id}：没通过（{met}）：handwrite attempt {id}", id=r.drill, met=met))
    for r in results:
        if r.passed and r.hints_used:
            lines.append(tr("{id}: passed with {n} hint{s}: do it again without: handwrite reset "
                            "{id}", "{id}：用了 {n} 条提示才通过：不看提示再做一遍：handwrite "
                            "reset {id}", id=r.drill, n=r.hints_used,
                            s="s" if r.hints_used > 1 else ""))
    for r in results:
        if r.passed and not r.hints_used and r.first_pass_s > r.budget_min * 60:
            lines.append(tr("{id}: passed at {t}, over its {n} min budget: handwrite reset {id}",
                            "{id}：{t} 时通过，超过了 {n} 分钟的限时：handwrite reset {id}",
                            id=r.drill, t=mmss(r.first_pass_s), n=r.budget_min))
    return tuple(lines) or (tr("all passed cleanly: next time take more drills or fewer minutes",
                               "全部干净利落地通过：下次多选几道题，或者缩短时间"),)


def mock_length(saved: Mock) -> float:
    """The length a kept mock interview was given, in seconds."""
    return float(saved.report.get("length_s") or saved.minutes * 60)


def running_mock(progress: Progress, drill_id: str, now: float | None = None) -> Mock | None:
    """An unfinished mock interview holding ``drill_id`` whose time is not up: while there is
    one, the drill's solution stays locked."""
    now = progress.clock() if now is None else now
    for saved in reversed(progress.mocks()):
        if (not saved.finished and saved.ended_at is None and drill_id in saved.drills
                and now < saved.started_at + mock_length(saved)):
            return saved
    return None
