"""Everything a person reads, drawn with rich. The only module that imports rich.

Grader text goes in as ``Text`` (never markup), so brackets in shapes like [B, T] stay literal.
Colour follows rich: off when piped or when NO_COLOR is set.
"""

from __future__ import annotations

import os
import time

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from .advice import RULE, Advice, ago, clock_time
from .progress import Day, DrillStats, Mock
from .results import Scorecard, Verdict
from .spec import CATEGORIES, Drill

VERDICTS = {
    Verdict.PASS: ("✓ PASS", "bold green"),
    Verdict.FAIL: ("✗ FAIL", "bold red"),
    Verdict.ERROR: ("✗ ERROR", "bold red"),
    Verdict.TODO: ("… NOT IMPLEMENTED", "bold yellow"),
}
DETAILED_FAILURES = 3  # failing checks shown in full unless --verbose
MESSAGE_LINES = 14  # lines of one failure message shown unless --verbose


def console(stderr: bool = False) -> Console:
    con = Console(stderr=stderr, highlight=False)
    if con.is_terminal and con.width > 100:
        con.width = 100  # a card wider than 100 columns is harder to read, not easier
    return con


def error(message: str) -> Text:
    """One line for a problem the user can fix (never markup: it may hold [brackets])."""
    return Text.assemble(("error: ", "bold red"), message)


def _mark(ok: bool) -> Text:
    return Text("✓", "green") if ok else Text("✗", "red")


def short_path(path: str) -> str:
    """The path with the home folder as ~."""
    home = os.path.expanduser("~")
    return "~" + path[len(home):] if path.startswith(home + os.sep) else path


def scorecard(card: Scorecard, verbose: bool = False) -> Group:
    """The scorecard of one attempt: verdict, categories, why each failure failed."""
    label, style = VERDICTS[card.verdict]
    passed = sum(c.passed for c in card.checks)
    title = Text.assemble((f" {card.drill}", "bold"), f" · {card.title} ")
    subtitle = Text(f"{short_path(card.path)} · {passed}/{len(card.checks)} checks passed · "
                    f"{card.elapsed_s:.2f} s")
    header = Panel(subtitle, title=title, title_align="left",
                   subtitle=Text(f" {label} ", style), subtitle_align="right",
                   border_style=style.split()[-1])
    parts = [header]
    if card.verdict is Verdict.TODO:
        parts.append(Padding(Text(card.error.message), (0, 2)))
        return Group(*parts)
    parts.append(_categories(card))
    if card.error is not None:
        parts.append(Padding(Text.assemble((f"{card.error.kind}: ", "bold red"),
                                           _clip(card.error.message, verbose)), (1, 2, 0, 2)))
    # A failure that only repeats the error above needs no second telling.
    failures = [c for c in card.checks
                if not c.passed and not (card.error and c.message == card.error.message)]
    shown = failures if verbose else _most_telling(failures)[:DETAILED_FAILURES]
    for check in shown:
        body = Text(_clip(check.message, verbose))
        if check.mistakes:
            body.append("\nlikely cause: ", "bold")
            body.append(", ".join(check.mistakes), "yellow")
        # Indented by 2 only: assert_close-style lines are ~78 columns and must fit in 80.
        parts.append(Padding(Group(
            Text.assemble(("✗ ", "red"), (check.category, "bold"), f" · {check.name}"),
            Padding(body, (0, 0, 0, 2))), (1, 0, 0, 0)))
    if len(failures) > len(shown):
        parts.append(Padding(Text(f"… {len(failures) - len(shown)} more failing checks: "
                                  "--verbose shows them all", "dim"), (1, 0, 0, 2)))
    if card.mistakes:
        causes = Table.grid(padding=(0, 1))
        causes.add_column(width=1)
        causes.add_column(ratio=1)
        for m in card.mistakes:
            causes.add_row("•", Text.assemble((m.id, "yellow"), f" — {m.explain}"))
        parts.append(Padding(Group(Text("Likely cause", "bold yellow"), causes), (1, 0, 0, 0)))
    if card.output.strip():
        printed = "\n".join(card.output.strip().splitlines()[:8])
        parts.append(Padding(Group(Text("Your file printed:", "dim"), Text(printed, "dim")),
                             (1, 0, 0, 2)))
    return Group(*parts)


def _most_telling(failures: list) -> list:
    """Failures that name a new mistake first, then one of each new category, then the rest."""
    mistakes, categories, first, second, rest = set(), set(), [], [], []
    for check in failures:
        if set(check.mistakes) - mistakes:
            first.append(check)
        elif check.category not in categories:
            second.append(check)
        else:
            rest.append(check)
        mistakes |= set(check.mistakes)
        categories.add(check.category)
    return first + second + rest


def _clip(message: str, verbose: bool) -> str:
    lines = message.splitlines()
    if verbose or len(lines) <= MESSAGE_LINES:
        return message
    return "\n".join(lines[:MESSAGE_LINES] + [f"… ({len(lines) - MESSAGE_LINES} more lines)"])


def _categories(card: Scorecard) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(width=2, justify="right")
    table.add_column(min_width=10)
    table.add_column(justify="right", min_width=5)
    table.add_column(overflow="ellipsis", no_wrap=True, ratio=1)
    for category in CATEGORIES:
        checks = [c for c in card.checks if c.category == category]
        if not checks:
            continue
        failing = [c.name for c in checks if not c.passed]
        table.add_row(_mark(not failing), category, f"{len(checks) - len(failing)}/{len(checks)}",
                      Text(", ".join(failing), "red"))
    return table


def summary(cards: list[Scorecard]) -> Table:
    """One line per drill, after ``handwrite check`` of every attempt."""
    table = Table(title="All attempts", title_justify="left", expand=False)
    for col in ("drill", "verdict", "checks", "likely cause"):
        table.add_column(col)
    for card in cards:
        label, style = VERDICTS[card.verdict]
        table.add_row(card.drill, Text(label, style),
                      f"{sum(c.passed for c in card.checks)}/{len(card.checks)}",
                      ", ".join(m.id for m in card.mistakes))
    return table


def catalog(drills: list[Drill], stats: dict) -> Table:
    """``handwrite list``: every drill, with its status from the history (``Progress.stats``)."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  padding=(0, 1), expand=True)
    # drill, level and min keep their full width; status, title and tags wrap when they must.
    for col, width in (("drill", 13), ("level", 6), ("min", 3)):
        table.add_column(col, no_wrap=True, min_width=width,
                         justify="right" if col == "min" else "left")
    table.add_column("status", min_width=9, max_width=20)
    table.add_column("title and tags", ratio=1)
    for d in drills:
        table.add_row(d.id, d.difficulty, str(d.minutes), status(stats.get(d.id)),
                      Text.assemble(d.title, "\n", (", ".join(d.tags), "dim")))
    return table


def status(s: DrillStats | None) -> Text:
    """A drill's state in a few words: ✓ passed, failing (numerics, stability), started, —."""
    if s is None or s.status == "new":
        return Text("—", "dim")
    if s.status == "passed":
        return Text("✓ passed", "green")
    if s.status == "started":
        return Text("started", "yellow")
    return Text(f"failing ({', '.join(s.last_failing) or 'error'})", "red")


def stats(history: dict, drills: list[Drill], mocks: list[Mock], days: list[Day],
          now: float) -> Group:
    """``handwrite stats``: per drill, mock interviews, and checks per day as a chart."""
    practised = [d.id for d in drills if history.get(d.id) and history[d.id].checks]
    fresh = [d.id for d in drills if d.id not in practised]
    parts: list = [Text("Drills", "bold")]
    if practised or set(history) - {d.id for d in drills}:
        parts += [_drill_table(history, practised, now),
                  Text("best, median: from a run's first check to its first pass; a reset "
                       "starts a run", "dim")]
    if fresh:  # listed, not tabled: twenty rows of dashes would bury the ones practised
        parts.append(Text(f"not practised yet: {', '.join(fresh)}", "dim"))
    parts.append(Text(""))
    parts += [Text("Mock interviews", "bold"), _mock_table(mocks) if mocks else
              Text("none yet", "dim"), Text("")]
    parts.append(daily_chart(days))
    return Group(*parts)


def _drill_table(history: dict, practised: list[str], now: float) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  padding=(0, 1), expand=True)
    table.add_column("drill", no_wrap=True, min_width=13)
    for col in ("checks", "passes", "best", "median"):
        table.add_column(col, no_wrap=True, justify="right")
    table.add_column("last practised", no_wrap=True, min_width=11)
    table.add_column("categories failed", ratio=1)
    # Drills in the catalog first, then any the history names that no longer exist.
    for drill in practised + sorted(set(history) - set(practised)):
        s = history[drill]
        if not s.checks:
            continue
        best, median = (Text(clock_time(t)) if t is not None else Text("—", "dim")
                        for t in (s.best_s, s.median_s))
        table.add_row(drill, str(s.checks), str(s.passes), best, median, ago(s.last_at, now),
                      Text(", ".join(s.failing_seen), "red"))
    return table


def _mock_table(mocks: list[Mock]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  padding=(0, 1), expand=True)
    table.add_column("date", no_wrap=True)
    table.add_column("min", no_wrap=True, justify="right")
    table.add_column("score", no_wrap=True, justify="right")
    table.add_column("drills", ratio=1)
    for m in mocks:
        if not m.finished:
            score = Text("abandoned", "dim")
        elif m.score is None:
            score = Text("—", "dim")
        else:
            score = Text(f"{m.score:.0%}", "green" if m.score >= 0.5 else "red")
        table.add_row(time.strftime("%Y-%m-%d %H:%M", time.localtime(m.started_at)),
                      str(m.minutes), score, ", ".join(m.drills))
    return table


BARS = "▁▂▃▄▅▆▇█"


def _bar(value: int, top: int) -> str:
    """One column of the chart: · for none, else ▁ to █ (anything above zero shows)."""
    if value == 0:
        return "·"
    return BARS[max(0, min(len(BARS) - 1, round(value / top * len(BARS)) - 1))]


def daily_chart(days: list[Day]) -> Group:
    """Checks and passes on each day, one column a day, today on the right, both rows on the
    scale of the busiest day's checks."""
    title = Text(f"Last {len(days)} days", "bold")
    top = max((d.checks for d in days), default=0)
    if top == 0:
        return Group(title, Text(f"no checks in the last {len(days)} days", "dim"))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    # A two-character column per day keeps the bars apart; a dot is a day without any.
    grid.add_row("checks", Text(" ".join(_bar(d.checks, top) for d in days), "cyan"))
    grid.add_row("passes", Text(" ".join(_bar(d.passes, top) for d in days), "green"))
    width = 2 * len(days) - 1
    first = days[0].date.strftime("%b %d")
    if width >= len(first) + len(" today"):
        grid.add_row("", Text(first + "today".rjust(width - len(first)), "dim"))
    checks, passes = sum(d.checks for d in days), sum(d.passes for d in days)
    active = sum(1 for d in days if d.checks)
    return Group(title, grid, Text(f"{_n(checks, 'check')} and {_n(passes, 'pass')} on "
                                   f"{_n(active, 'day')} of {len(days)}; at most {top} a day",
                                   "dim"))


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "es" if word.endswith("s") else "s")


def advice(pick: Advice, drill: Drill, attempted: bool) -> Group:
    """``handwrite next``: one drill, why, the command that starts it, and the rule."""
    if not attempted:
        command = f"handwrite attempt {drill.id}"
    elif pick.kind in ("slow", "unseen"):  # passed: start again from the stub
        command = f"handwrite reset {drill.id}"
    else:
        command = f"handwrite check {drill.id}"  # your attempt is there: carry on
    return Group(
        Text.assemble(("Next: ", "bold"), (drill.id, "bold cyan"), f" · {drill.title} ",
                      (f"({drill.difficulty} · {drill.minutes} min)", "dim")),
        Text.assemble(("why: ", "bold"), pick.reason),
        Text.assemble(("run: ", "bold"), command),
        Text(f"rule: {RULE}", "dim"))


def task(drill: Drill, statement: str, path: str, created: bool) -> Group:
    """``handwrite attempt``: the task, and where to write the answer."""
    where = Text.assemble(("Edit: ", "bold"), short_path(path))
    if not created:
        where = Text.assemble(("Already started: ", "bold yellow"), short_path(path),
                              "\n(kept as it is; `handwrite reset ", drill.id,
                              "` puts the stub back)")
    meta = Text(f"{drill.difficulty} · {', '.join(drill.tags)} · about {drill.minutes} min",
                "dim")
    return Group(Panel(Group(meta, Text(""), Text(statement)),
                       title=Text(f" {drill.id} · {drill.title} ", "bold"), title_align="left"),
                 where)


def hint(drill: Drill, index: int) -> Text:
    total = len(drill.hints)
    text = Text.assemble((f"Hint {index + 1}/{total}", "bold yellow"), f" · {drill.id}\n",
                         drill.hints[index])
    if index + 1 == total:
        text.append("\n(that was the last hint: `handwrite solution "
                    f"{drill.id}` shows the reference)", "dim")
    return text


def show_code(source: str, con: Console) -> None:
    """The reference, highlighted on a terminal; byte for byte when piped, to save and run."""
    if con.is_terminal:
        con.print(Syntax(source, "python", theme="ansi_dark"))
    else:
        con.file.write(source)


def watching(paths: list, poll: bool, graded: list[Scorecard] | None) -> Text:
    """The line under a watched scorecard: what is watched, when it was graded, how to stop."""
    names = ", ".join(short_path(str(p)) for p in paths)
    line = Text("⟳ ", "cyan")
    if graded:
        stamp = time.strftime("%H:%M:%S")
        passed = all(c.passed for c in graded)
        line.append(f"graded {stamp} in {max(c.elapsed_s for c in graded):.2f} s · ")
        line.append("all passing" if passed else "not passing yet", "green" if passed else "red")
        line.append(" · ")
    line.append(f"watching {names}: save to grade again, Ctrl-C stops")
    if not poll:
        line.append("\nNothing happens when you save? On WSL or a network drive, add --poll.",
                    "dim")
    return line


def _mock_state(state) -> Text:
    """A drill's state in a mock: not started / failing: which categories / passed at mm:ss."""
    from .mock import mmss

    if state.status == "passed":
        line = Text(f"✓ passed at {mmss(state.first_pass_s)}", "green")
        if state.last_verdict != Verdict.PASS.value:
            line.append(f" · failing now ({', '.join(state.last_failing) or 'error'})", "red")
        return line
    if state.status == "not started":
        return Text("not started", "dim")
    return Text(f"failing: {', '.join(state.last_failing) or 'error'}", "red")


def mock_panel(mock, selected: int, hint_text: str = "", confirming: bool = False) -> Panel:
    """The live panel of a mock interview: countdown, each drill's state, hints used, keys."""
    from .mock import mmss

    left = mock.remaining()
    table = Table.grid(padding=(0, 1), expand=True)
    for col in ("", "#", "drill", "budget", "state", "hints"):
        table.add_column(col, no_wrap=True, ratio=1 if col == "state" else None)
    for i, drill in enumerate(mock.drills):
        s = mock.states[drill.id]
        table.add_row(Text("›", "bold cyan") if i == selected else "", str(i + 1),
                      Text(drill.id, "bold" if i == selected else ""), f"{drill.minutes} min",
                      _mock_state(s), f"hints {s.hints_used}/{len(drill.hints)}")
    parts: list = [Text.assemble(("⏱ ", "cyan"), (mmss(left), "bold red" if left < 60 else
                                                   "bold"), " left · ",
                                 (f"edit {short_path(str(mock.folder))}/<drill>.py", "dim")),
                   Text(""), table]
    if hint_text:
        parts += [Text(""), Text(hint_text, "yellow")]
    parts.append(Text(""))
    if confirming:
        parts.append(Text("finish now? [y/N]", "bold yellow"))
    else:
        parts.append(Text("↑/↓ or 1-9 select · h hint · q finish · saving re-grades · "
                          "solutions locked until the end", "dim"))
    return Panel(Group(*parts), title=Text(" mock interview ", "bold"), title_align="left")


def mock_event(change) -> str:
    """One line for one grading in a mock interview (plain output)."""
    from .mock import mmss

    stamp = mmss(change.at_s)
    if change.verdict is Verdict.TODO:
        return f"{stamp} {change.drill} not started"
    if change.verdict is Verdict.PASS:
        return f"{stamp} {change.drill} passed" + (f" at {stamp}" if change.first_pass else "")
    line = f"{stamp} {change.drill} failing ({', '.join(change.failing) or 'error'})"
    return line + (f" · likely cause: {', '.join(change.mistakes)}" if change.mistakes else "")


def mock_report(report) -> Group:
    """The end of a mock interview: per drill, the score and its formula, what to practise."""
    from .mock import mmss

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  padding=(0, 1), expand=True)
    for col in ("drill", "result", "first pass", "hints", "points"):
        table.add_column(col, no_wrap=True, justify="right" if col == "points" else "left")
    table.add_column("met along the way", ratio=1)
    for r in report.drills:
        met = Text(", ".join(r.failing_seen), "red")
        if r.mistakes_seen:
            met.append((" · " if r.failing_seen else "") + ", ".join(r.mistakes_seen), "yellow")
        table.add_row(r.drill, Text("✓ passed", "green") if r.passed else Text("✗ not passed",
                                                                                  "red"),
                      mmss(r.first_pass_s) if r.passed else Text("—", "dim"),
                      f"{r.hints_used}/{r.hints_total}", f"{r.points:.0f}", met)
    score_style = "bold green" if report.score >= 50 else "bold red"
    return Group(
        Text.assemble(("Mock interview", "bold"), f" · {report.ended_by} after "
                      f"{mmss(report.used_s)} of {mmss(report.length_s)}"),
        table,
        Text.assemble(("score ", "bold"), (f"{report.score:.0f}/100", score_style)),
        Text(report.formula, "dim"),
        Text(""),
        Text("Practise next", "bold"),
        *[Text(f"• {line}") for line in report.practise_next])


def live(first, con: Console):
    """A started rich Live display showing ``first``; update(…, refresh=True) and stop() it."""
    from rich.live import Live

    view = Live(first, console=con, auto_refresh=False)
    view.start()
    return view
