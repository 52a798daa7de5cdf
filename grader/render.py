"""Everything a person reads, drawn with rich. The only module that imports rich.

Grader text goes in as ``Text`` (never markup), so brackets in shapes like [B, T] stay literal.
Colour follows rich: off when piped or when NO_COLOR is set.
"""

from __future__ import annotations

import os
import re
import time

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.cells import cell_len
from rich.measure import Measurement
from rich.text import Text

from .advice import RULE, Advice, ago, clock_time
from .progress import Day, DrillStats, Mock
from .results import Scorecard, Verdict
from .i18n import T, say, tr
from .spec import CATEGORIES, CATEGORY_NAMES, DIFFICULTY_NAMES, Drill

VERDICTS = {
    Verdict.PASS: (T("✓ PASS", zh="✓ 通过"), "bold green"),
    Verdict.FAIL: (T("✗ FAIL", zh="✗ 未通过"), "bold red"),
    Verdict.ERROR: (T("✗ ERROR", zh="✗ 出错"), "bold red"),
    Verdict.TODO: (T("… NOT IMPLEMENTED", zh="… 尚未实现"), "bold yellow"),
}
# Wrapping table cells use overflow="fold": with the default, rich may drop a wide (CJK)
# character that lands one column short at a line's end and print "…" in its place.
ERROR_KINDS = {  # results.ERROR_KINDS as the scorecard says them (--json keeps the ids)
    "syntax": T("syntax", zh="语法错误"), "import": T("import", zh="导入失败"),
    "missing": T("missing", zh="缺少定义"), "not_implemented": T("not implemented", zh="未实现"),
    "exception": T("exception", zh="异常"), "timeout": T("timeout", zh="超时"),
    "memory": T("memory", zh="内存不足"), "crash": T("crash", zh="崩溃"), "exit": T("exit", zh="退出"),
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
    return Text.assemble((tr("error: ", "错误："), "bold red"), message)


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
    subtitle = Text(tr("{path} · {passed}/{n} checks passed · {s:.2f} s",
                       "{path} · 通过 {passed}/{n} 项检查 · {s:.2f} 秒",
                       path=short_path(card.path), passed=passed, n=len(card.checks),
                       s=card.elapsed_s))
    header = Panel(subtitle, title=title, title_align="left",
                   subtitle=Text(f" {say(label)} ", style), subtitle_align="right",
                   border_style=style.split()[-1])
    parts = [header]
    if card.verdict is Verdict.TODO:
        parts.append(Padding(Text(card.error.message), (0, 2)))
        return Group(*parts)
    parts.append(_categories(card))
    if card.error is not None:
        parts.append(Padding(Text.assemble((say(ERROR_KINDS[card.error.kind]) + tr(": ", "："),
                                            "bold red"),
                                           _clip(card.error.message, verbose)), (1, 2, 0, 2)))
    # A failure that only repeats the error above needs no second telling.
    failures = [c for c in card.checks
                if not c.passed and not (card.error and c.message == card.error.message)]
    shown = failures if verbose else _most_telling(failures)[:DETAILED_FAILURES]
    for check in shown:
        body = Text(_clip(check.message, verbose))
        if check.mistakes:
            body.append("\n" + tr("likely cause: ", "可能的原因："), "bold")
            body.append(", ".join(check.mistakes), "yellow")
        # Indented by 2 only: assert_close-style lines are ~78 columns and must fit in 80.
        parts.append(Padding(Group(
            Text.assemble(("✗ ", "red"), (category_name(check.category), "bold"),
                          f" · {check.name}"),
            Padding(Paragraph(body), (0, 0, 0, 2))), (1, 0, 0, 0)))
    if len(failures) > len(shown):
        parts.append(Padding(Text(tr("… {n} more failing checks: --verbose shows them all",
                                     "… 还有 {n} 项未通过的检查：加 --verbose 全部显示",
                                     n=len(failures) - len(shown)), "dim"), (1, 0, 0, 2)))
    if card.mistakes:
        causes = Table.grid(padding=(0, 1))
        causes.add_column(width=1)
        causes.add_column(ratio=1, overflow="fold")  # fold: see the note on DETAILED_FAILURES
        for m in card.mistakes:
            causes.add_row("•", Paragraph(Text.assemble((m.id, "yellow"), f" — {m.explain}")))
        parts.append(Padding(Group(Text(tr("Likely cause", "可能的原因"), "bold yellow"), causes),
                             (1, 0, 0, 0)))
    if card.output.strip():
        printed = "\n".join(card.output.strip().splitlines()[:8])
        parts.append(Padding(Group(Text(tr("Your file printed:", "你的文件打印了："), "dim"),
                                   Text(printed, "dim")),
                             (1, 0, 0, 2)))
    return Group(*parts)


_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_NO_LINE_START = set("，。：；、！？）》」』】,.:;!?)")  # punctuation that never opens a line


class Paragraph:
    """Text that may also break between Chinese characters. rich breaks lines only at spaces,
    so a long Chinese run with no space in it would jump whole to the next line and leave the
    line before it short. English text wraps as rich wraps it."""

    def __init__(self, text: Text | str, style: str = ""):
        self.text = text if isinstance(text, Text) else Text(text, style)

    def __rich_console__(self, console, options):
        if not _WIDE.search(self.text.plain):
            yield self.text
            return
        for line in self.text.split("\n"):
            yield from _break(line, max(1, options.max_width))

    def __rich_measure__(self, console, options):
        return Measurement.get(console, options, self.text)


def _break(line: Text, width: int) -> list[Text]:
    """``line`` cut into pieces of at most ``width`` cells, at a space or between two
    characters either of which is Chinese (never before closing punctuation)."""
    pieces, start, used, last_break = [], 0, 0, None
    plain = line.plain
    for i, ch in enumerate(plain):
        if i > start and (ch == " " or (ch not in _NO_LINE_START and (
                _WIDE.match(ch) or _WIDE.match(plain[i - 1])))):
            last_break = i
        used += cell_len(ch)
        if used > width and i > start:
            cut = last_break if last_break and last_break > start else i
            pieces.append(line[start:cut])
            start = cut
            while start < len(plain) and plain[start] == " ":
                start += 1
            used, last_break = cell_len(plain[start:i + 1]), None
    pieces.append(line[start:])
    for piece in pieces:
        piece.rstrip()
    return pieces


def _most_telling(failures: list) -> list:
    """Failures that name a new mistake first, then properties that say why in words (one of
    each), then one of each new category, then the rest."""
    mistakes, names, categories = set(), set(), set()
    first, why, second, rest = [], [], [], []
    for check in failures:
        if set(check.mistakes) - mistakes:
            first.append(check)
        elif check.explains and check.name not in names:
            why.append(check)
        elif check.category not in categories:
            second.append(check)
        else:
            rest.append(check)
        mistakes |= set(check.mistakes)
        names.add(check.name)
        categories.add(check.category)
    return first + why + second + rest


def _clip(message: str, verbose: bool) -> str:
    lines = message.splitlines()
    if verbose or len(lines) <= MESSAGE_LINES:
        return message
    more = tr("… ({n} more lines)", "…（还有 {n} 行）", n=len(lines) - MESSAGE_LINES)
    return "\n".join(lines[:MESSAGE_LINES] + [more])


def category_name(category: str) -> str:
    """A category as the user reads it (its id stays English in --json)."""
    return say(CATEGORY_NAMES.get(category, category))


def _categories_said(categories) -> str:
    return ", ".join(map(category_name, categories))


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
        failing = list(dict.fromkeys(c.name for c in checks if not c.passed))  # once each
        passed = sum(c.passed for c in checks)
        table.add_row(_mark(not failing), category_name(category), f"{passed}/{len(checks)}",
                      Text(tr(", ", "；").join(failing), "red"))
    return table


def summary(cards: list[Scorecard]) -> Table:
    """One line per drill, after ``handwrite check`` of every attempt."""
    table = Table(title=tr("All attempts", "全部作答"), title_justify="left", expand=False)
    for col in (tr("drill", "题目"), tr("verdict", "结果"), tr("checks", "检查"),
                tr("likely cause", "可能的原因")):
        table.add_column(col)
    for card in cards:
        label, style = VERDICTS[card.verdict]
        table.add_row(card.drill, Text(say(label), style),
                      f"{sum(c.passed for c in card.checks)}/{len(card.checks)}",
                      ", ".join(m.id for m in card.mistakes))
    return table


def catalog(drills: list[Drill], stats: dict) -> Table:
    """``handwrite list``: every drill, with its status from the history (``Progress.stats``)."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  padding=(0, 1), expand=True)
    # drill, level and min keep their full width; status, title and tags wrap when they must.
    for col, width, right in ((tr("drill", "题目"), 13, False), (tr("level", "难度"), 6, False),
                              (tr("min", "分钟"), 3, True)):
        table.add_column(col, no_wrap=True, min_width=width, justify="right" if right else "left")
    table.add_column(tr("status", "状态"), min_width=9, max_width=20)
    table.add_column(tr("title and tags", "标题与标签"), ratio=1, overflow="fold")
    for d in drills:
        table.add_row(d.id, say(DIFFICULTY_NAMES[d.difficulty]), str(d.minutes),
                      status(stats.get(d.id)),
                      Text.assemble(say(d.title), "\n", (", ".join(d.tags), "dim")))
    return table


def status(s: DrillStats | None) -> Text:
    """A drill's state in a few words: ✓ passed, failing (numerics, stability), started, —."""
    if s is None or s.status == "new":
        return Text("—", "dim")
    if s.status == "passed":
        return Text(tr("✓ passed", "✓ 已通过"), "green")
    if s.status == "started":
        return Text(tr("started", "已开始"), "yellow")
    return Text(tr("failing ({what})", "未通过（{what}）",
                   what=_categories_said(s.last_failing) or tr("error", "出错")), "red")


def stats(history: dict, drills: list[Drill], mocks: list[Mock], days: list[Day],
          now: float) -> Group:
    """``handwrite stats``: per drill, mock interviews, and checks per day as a chart."""
    practised = [d.id for d in drills if history.get(d.id) and history[d.id].checks]
    fresh = [d.id for d in drills if d.id not in practised]
    parts: list = [Text(tr("Drills", "题目"), "bold")]
    if practised or set(history) - {d.id for d in drills}:
        parts += [_drill_table(history, practised, now),
                  Text(tr("best, median: from a run's first check to its first pass; a reset "
                          "starts a run", "最快、中位：一轮练习从第一次检查到第一次通过的用时；"
                          "reset 开始新的一轮"), "dim")]
    if fresh:  # listed, not tabled: twenty rows of dashes would bury the ones practised
        parts.append(Text(tr("not practised yet: {ids}", "还没练过：{ids}", ids=", ".join(fresh)),
                          "dim"))
    parts.append(Text(""))
    parts += [Text(tr("Mock interviews", "模拟面试"), "bold"), _mock_table(mocks) if mocks else
              Text(tr("none yet", "还没有"), "dim"), Text("")]
    parts.append(daily_chart(days))
    return Group(*parts)


def _drill_table(history: dict, practised: list[str], now: float) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  padding=(0, 1), expand=True)
    table.add_column(tr("drill", "题目"), no_wrap=True, min_width=13)
    for col in (tr("checks", "检查"), tr("passes", "通过"), tr("best", "最快"),
                tr("median", "中位")):
        table.add_column(col, no_wrap=True, justify="right")
    table.add_column(tr("last practised", "上次练习"), no_wrap=True, min_width=11)
    table.add_column(tr("categories failed", "出过错的类别"), ratio=1, overflow="fold")
    # Drills in the catalog first, then any the history names that no longer exist.
    for drill in practised + sorted(set(history) - set(practised)):
        s = history[drill]
        if not s.checks:
            continue
        best, median = (Text(clock_time(t)) if t is not None else Text("—", "dim")
                        for t in (s.best_s, s.median_s))
        table.add_row(drill, str(s.checks), str(s.passes), best, median, ago(s.last_at, now),
                      Text(_categories_said(s.failing_seen), "red"))
    return table


def _mock_table(mocks: list[Mock]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  padding=(0, 1), expand=True)
    table.add_column(tr("date", "日期"), no_wrap=True)
    table.add_column(tr("min", "分钟"), no_wrap=True, justify="right")
    table.add_column(tr("score", "得分"), no_wrap=True, justify="right")
    table.add_column(tr("drills", "题目"), ratio=1, overflow="fold")
    for m in mocks:
        if not m.finished:
            score = Text(tr("abandoned", "中途放弃"), "dim")
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
    title = Text(tr("Last {n} days", "最近 {n} 天", n=len(days)), "bold")
    top = max((d.checks for d in days), default=0)
    if top == 0:
        return Group(title, Text(tr("no checks in the last {n} days", "最近 {n} 天没有检查",
                                    n=len(days)), "dim"))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    # A two-character column per day keeps the bars apart; a dot is a day without any.
    grid.add_row(tr("checks", "检查"), Text(" ".join(_bar(d.checks, top) for d in days), "cyan"))
    grid.add_row(tr("passes", "通过"), Text(" ".join(_bar(d.passes, top) for d in days), "green"))
    width = 2 * len(days) - 1
    first = tr("{date:%b %d}", "{date.month}月{date.day}日", date=days[0].date)
    today = tr("today", "今天")
    if width >= cell_len(first) + cell_len(today) + 1:  # CJK characters take two columns
        grid.add_row("", Text(first + " " * (width - cell_len(first) - cell_len(today)) + today,
                              "dim"))
    checks, passes = sum(d.checks for d in days), sum(d.passes for d in days)
    active = sum(1 for d in days if d.checks)
    return Group(title, grid, Text(tr(
        "{checks} and {passes} on {active} of {n}; at most {top} a day",
        "{n} 天里有 {active_zh} 天在练：{checks_zh}，{passes_zh}；一天最多 {top} 次",
        checks=_n(checks, "check"), passes=_n(passes, "pass"), active=_n(active, "day"), n=len(days),
        top=top, active_zh=active, checks_zh=f"检查 {checks} 次", passes_zh=f"通过 {passes} 次"),
        "dim"))


def _n(count: int, word: str) -> str:
    """English counts: 1 check, 2 checks, 1 pass, 2 passes."""
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
        Text.assemble((tr("Next: ", "下一题："), "bold"), (drill.id, "bold cyan"),
                      f" · {say(drill.title)} ",
                      (tr("({level} · {n} min)", "（{level} · {n} 分钟）",
                          level=say(DIFFICULTY_NAMES[drill.difficulty]), n=drill.minutes), "dim")),
        Text.assemble((tr("why: ", "原因："), "bold"), say(pick.reason)),
        Text.assemble((tr("run: ", "运行："), "bold"), command),
        Text(tr("rule: ", "规则：") + say(RULE), "dim"))


def task(drill: Drill, statement: str, path: str, created: bool) -> Group:
    """``handwrite attempt``: the task, and where to write the answer."""
    where = Text.assemble((tr("Edit: ", "编辑："), "bold"), short_path(path))
    if not created:
        where = Text.assemble((tr("Already started: ", "已经开始过："), "bold yellow"),
                              short_path(path), "\n", tr(
                                  "(kept as it is; `handwrite reset {id}` puts the stub back)",
                                  "（保持原样；`handwrite reset {id}` 可恢复成初始代码）",
                                  id=drill.id))
    meta = Text(tr("{level} · {tags} · about {n} min", "{level} · {tags} · 约 {n} 分钟",
                   level=say(DIFFICULTY_NAMES[drill.difficulty]), tags=", ".join(drill.tags),
                   n=drill.minutes), "dim")
    return Group(Panel(Group(meta, Text(""), Text(statement)),
                       title=Text(f" {drill.id} · {say(drill.title)} ", "bold"),
                       title_align="left"),
                 where)


def hint(drill: Drill, index: int) -> Paragraph:
    total = len(drill.hints)
    text = Text.assemble((tr("Hint {i}/{n}", "提示 {i}/{n}", i=index + 1, n=total),
                          "bold yellow"), f" · {drill.id}\n", say(drill.hints[index]))
    if index + 1 == total:
        text.append("\n" + tr("(that was the last hint: `handwrite solution {id}` shows the "
                              "reference)", "（这是最后一条提示：`handwrite solution {id}` "
                              "可查看参考答案）", id=drill.id), "dim")
    return Paragraph(text)


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
        line.append(tr("graded {stamp} in {s:.2f} s · ", "{stamp} 评测，用时 {s:.2f} 秒 · ",
                       stamp=stamp, s=max(c.elapsed_s for c in graded)))
        line.append(tr("all passing", "全部通过") if passed else tr("not passing yet", "还没通过"),
                    "green" if passed else "red")
        line.append(" · ")
    line.append(tr("watching {names}: save to grade again, Ctrl-C stops",
                   "正在监视 {names}：保存即重新评测，Ctrl-C 退出", names=names))
    if not poll:
        line.append("\n" + tr("Nothing happens when you save? On WSL or a network drive, add "
                              "--poll.", "保存后没有反应？在 WSL 或网络盘上请加 --poll。"), "dim")
    return line


def _mock_state(state) -> Text:
    """A drill's state in a mock: not started / failing: which categories / passed at mm:ss."""
    from .mock import mmss

    failing = _categories_said(state.last_failing) or tr("error", "出错")
    if state.status == "passed":
        line = Text(tr("✓ passed at {t}", "✓ {t} 时通过", t=mmss(state.first_pass_s)), "green")
        if state.last_verdict != Verdict.PASS.value:
            line.append(tr(" · failing now ({what})", " · 现在未通过（{what}）", what=failing), "red")
        return line
    if state.status == "not started":
        return Text(tr("not started", "未开始"), "dim")
    return Text(tr("failing: {what}", "未通过：{what}", what=failing), "red")


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
                      Text(drill.id, "bold" if i == selected else ""),
                      tr("{n} min", "{n} 分钟", n=drill.minutes), _mock_state(s),
                      tr("hints {used}/{n}", "提示 {used}/{n}", used=s.hints_used,
                         n=len(drill.hints)))
    parts: list = [Text.assemble(("⏱ ", "cyan"), tr("", "剩余 "),
                                 (mmss(left), "bold red" if left < 60 else "bold"),
                                 tr(" left · ", " · "),
                                 (tr("edit {folder}/<drill>.py", "编辑 {folder}/<题目>.py",
                                     folder=short_path(str(mock.folder))), "dim")),
                   Text(""), table]
    if hint_text:
        parts += [Text(""), Paragraph(hint_text, "yellow")]
    parts.append(Text(""))
    if confirming:
        parts.append(Text(tr("finish now? [y/N]", "现在结束？[y/N]"), "bold yellow"))
    else:
        parts.append(Text(tr("↑/↓ or 1-9 select · h hint · q finish · saving re-grades · "
                             "solutions locked until the end", "↑/↓ 或 1-9 选题 · h 提示 · q 结束 · "
                             "保存即重新评测 · 结束前不能看答案"), "dim"))
    return Panel(Group(*parts), title=Text(tr(" mock interview ", " 模拟面试 "), "bold"),
                 title_align="left")


def mock_event(change) -> str:
    """One line for one grading in a mock interview (plain output)."""
    from .mock import mmss

    stamp = mmss(change.at_s)
    if change.verdict is Verdict.TODO:
        return f"{stamp} {change.drill} " + tr("not started", "未开始")
    if change.verdict is Verdict.PASS:
        return f"{stamp} {change.drill} " + tr("passed", "通过") + (
            tr(" at {t}", "，用时 {t}", t=stamp) if change.first_pass else "")
    line = f"{stamp} {change.drill} " + tr("failing ({what})", "未通过（{what}）", what=(
        _categories_said(change.failing) or tr("error", "出错")))
    return line + (tr(" · likely cause: {ids}", " · 可能的原因：{ids}", ids=", ".join(
        change.mistakes)) if change.mistakes else "")


ENDINGS = {"time up": T("time up", zh="时间到"), "finished early": T("finished early", zh="提前结束"),
           "interrupted": T("interrupted", zh="被中断")}


def mock_report(report) -> Group:
    """The end of a mock interview: per drill, the score and its formula, what to practise."""
    from .mock import mmss

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  padding=(0, 1), expand=True)
    for col in (tr("drill", "题目"), tr("result", "结果"), tr("first pass", "首次通过"),
                tr("hints", "提示")):
        table.add_column(col, no_wrap=True)
    table.add_column(tr("points", "得分"), no_wrap=True, justify="right")
    table.add_column(tr("met along the way", "途中遇到"), ratio=1, overflow="fold")
    for r in report.drills:
        met = Text(_categories_said(r.failing_seen), "red")
        if r.mistakes_seen:
            met.append((" · " if r.failing_seen else "") + ", ".join(r.mistakes_seen), "yellow")
        table.add_row(r.drill, Text(tr("✓ passed", "✓ 通过"), "green") if r.passed
                      else Text(tr("✗ not passed", "✗ 未通过"), "red"),
                      mmss(r.first_pass_s) if r.passed else Text("—", "dim"),
                      f"{r.hints_used}/{r.hints_total}", f"{r.points:.0f}", met)
    score_style = "bold green" if report.score >= 50 else "bold red"
    return Group(
        Text.assemble((tr("Mock interview", "模拟面试"), "bold"),
                      tr(" · {how} after {used} of {length}", " · {how}，用时 {used} / {length}",
                         how=say(ENDINGS.get(report.ended_by, report.ended_by)), used=mmss(report.used_s),
                         length=mmss(report.length_s))),
        table,
        Text.assemble((tr("score ", "得分 "), "bold"), (f"{report.score:.0f}/100", score_style)),
        Text(say(report.formula), "dim"),
        Text(""),
        Text(tr("Practise next", "接下来练习"), "bold"),
        *[Text(f"• {say(line)}") for line in report.practise_next])


def live(first, con: Console):
    """A started rich Live display showing ``first``; update(…, refresh=True) and stop() it."""
    from rich.live import Live

    view = Live(first, console=con, auto_refresh=False)
    view.start()
    return view


# typer's own help and error words, which it keeps as module constants.
_HELP_WORDS = {
    "ARGUMENTS_PANEL_TITLE": T("Arguments", zh="参数"),
    "OPTIONS_PANEL_TITLE": T("Options", zh="选项"),
    "COMMANDS_PANEL_TITLE": T("Commands", zh="命令"),
    "ERRORS_PANEL_TITLE": T("Error", zh="错误"),
    "DEFAULT_STRING": T("[default: {}]", zh="[默认：{}]"),
    "REQUIRED_LONG_STRING": T("[required]", zh="[必填]"),
    "ABORTED_TEXT": T("Aborted.", zh="已取消。"),
    "RICH_HELP": T("Try [blue]'{command_path} {help_option}'[/] for help.",
                   zh="用 [blue]'{command_path} {help_option}'[/] 查看帮助。"),
}


def translate_help(rich_utils) -> None:
    """Put typer's help and error words (``typer.rich_utils``) in the language in use."""
    for name, text in _HELP_WORDS.items():
        setattr(rich_utils, name, say(text))
