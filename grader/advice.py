"""What to practise next: a small spaced-repetition rule over the progress history.

A notebook can call it as the CLI does::

    progress = Progress(workspace.home())
    recommend(registry.all_drills(), progress.stats(), progress.clock())
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .progress import DrillStats
from .spec import DIFFICULTIES, Drill

RULE = ("unfinished first (latest first), then never tried (easiest first), then slowest "
        "against its time budget, then longest unseen")


@dataclass(frozen=True)
class Advice:
    """One drill to practise now, and why."""

    drill: str
    reason: str  # one line, e.g. "failing at its last check (numerics), 2 h ago"
    kind: str  # which part of RULE chose it: unfinished, new, slow or unseen


def recommend(drills: list[Drill], stats: dict[str, DrillStats], now: float) -> Advice | None:
    """The drill to practise now, by :data:`RULE`:

    1. *unfinished*: its last check failed, or its stub was laid (or left untouched) and has
       not been graded since; the most recently touched first — finish what you started.
    2. *new*: no check and no stub yet, easiest first (level, then time budget, then id).
    3. *slow*: passed, but its median time to pass exceeds its time budget; the largest
       ratio first.
    4. *unseen*: every drill passed in time; the one whose last check is oldest.

    ``stats`` is :meth:`Progress.stats`; drills it does not list are new. None only when
    ``drills`` is empty.
    """
    if not drills:
        return None
    seen = {d.id: stats[d.id] for d in drills if d.id in stats}
    unfinished = [s for s in seen.values() if s.status in ("failing", "started")]
    if unfinished:
        s = max(unfinished, key=lambda s: (_touched(s), s.drill))
        if s.status == "failing":
            why = ", ".join(s.last_failing) or "it did not run"
            return Advice(s.drill, f"failing at its last check ({why}), {ago(s.last_at, now)}",
                          "unfinished")
        return Advice(s.drill, f"started {ago(_touched(s), now)}, not passing yet", "unfinished")
    new = [d for d in drills if d.id not in seen]
    if new:
        d = min(new, key=lambda d: (DIFFICULTIES.index(d.difficulty), d.minutes, d.id))
        return Advice(d.id, f"never tried, and the easiest of those left ({d.difficulty}, "
                            f"{d.minutes} min)", "new")
    budgets = {d.id: d.minutes * 60 for d in drills}
    slow = [s for s in seen.values()
            if s.median_s is not None and s.median_s > budgets[s.drill]]
    if slow:
        s = max(slow, key=lambda s: (s.median_s / budgets[s.drill], s.drill))
        return Advice(s.drill, f"passed, but in {clock_time(s.median_s)} median against a "
                               f"{budgets[s.drill] // 60} min budget", "slow")
    s = min(seen.values(), key=lambda s: (_touched(s), s.drill))
    return Advice(s.drill, f"passed in time; last practised {ago(_touched(s), now)}, the longest "
                           "ago of all", "unseen")


def _touched(s: DrillStats) -> float:
    return max(t for t in (s.last_at, s.restarted_at) if t is not None)


def clock_time(seconds: float) -> str:
    """m:ss, e.g. 7:05 (h:mm:ss from an hour)."""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def ago(then: float, now: float) -> str:
    """How long ago, in words: just now, 5 min ago, 3 h ago, then in local calendar days:
    yesterday, 4 days ago, 2 weeks ago, 3 months ago."""
    seconds = max(0.0, now - then)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = (datetime.date.fromtimestamp(now) - datetime.date.fromtimestamp(then)).days
    if days <= 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    return f"{days // 30} months ago"
