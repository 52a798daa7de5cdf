"""What to practise next: a small spaced-repetition rule over the progress history.

A notebook can call it as the CLI does::

    progress = Progress(workspace.home())
    recommend(registry.all_drills(), progress.stats(), progress.clock())
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .i18n import T, say, tr
from .progress import DrillStats
from .spec import CATEGORY_NAMES, DIFFICULTIES, DIFFICULTY_NAMES, Drill

RULE = T("unfinished first (latest first), then never tried (easiest first), then slowest "
         "against its time budget, then longest unseen",
         zh="先做没做完的（最近的优先），再做没做过的（最简单的优先），然后是相对限时最慢的，"
            "最后是最久没练的")


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
            why = (", ".join(say(CATEGORY_NAMES.get(c, c)) for c in s.last_failing)
                   or tr("it did not run", "没能运行"))
            return Advice(s.drill, tr("failing at its last check ({why}), {ago}",
                                      "上次检查没通过（{why}），{ago}", why=why,
                                      ago=ago(s.last_at, now)), "unfinished")
        return Advice(s.drill, tr("started {ago}, not passing yet", "{ago}开始，还没通过",
                                  ago=ago(_touched(s), now)), "unfinished")
    new = [d for d in drills if d.id not in seen]
    if new:
        d = min(new, key=lambda d: (DIFFICULTIES.index(d.difficulty), d.minutes, d.id))
        return Advice(d.id, tr("never tried, and the easiest of those left ({level}, {n} min)",
                               "没做过，且是剩下的题里最简单的（{level}，{n} 分钟）",
                               level=say(DIFFICULTY_NAMES[d.difficulty]), n=d.minutes), "new")
    budgets = {d.id: d.minutes * 60 for d in drills}
    slow = [s for s in seen.values()
            if s.median_s is not None and s.median_s > budgets[s.drill]]
    if slow:
        s = max(slow, key=lambda s: (s.median_s / budgets[s.drill], s.drill))
        return Advice(s.drill, tr("passed, but in {t} median against a {n} min budget",
                                  "通过了，但中位用时 {t}，超过了 {n} 分钟的限时",
                                  t=clock_time(s.median_s), n=budgets[s.drill] // 60), "slow")
    s = min(seen.values(), key=lambda s: (_touched(s), s.drill))
    return Advice(s.drill, tr("passed in time; last practised {ago}, the longest ago of all",
                              "按时通过了；上次练习在{ago}，是所有题里最久的",
                              ago=ago(_touched(s), now)), "unseen")


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
        return tr("just now", "刚刚")
    if seconds < 3600:
        return tr("{n} min ago", "{n} 分钟前", n=int(seconds // 60))
    if seconds < 86400:
        return tr("{n} h ago", "{n} 小时前", n=int(seconds // 3600))
    days = (datetime.date.fromtimestamp(now) - datetime.date.fromtimestamp(then)).days
    if days <= 1:
        return tr("yesterday", "昨天")
    if days < 14:
        return tr("{n} days ago", "{n} 天前", n=days)
    if days < 60:
        return tr("{n} weeks ago", "{n} 周前", n=days // 7)
    return tr("{n} months ago", "{n} 个月前", n=days // 30)
