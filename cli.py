"""The `handwrite` command: parses arguments and renders. Everything else is a library call."""

from __future__ import annotations

import sys

from handwrite.grader import i18n, sandbox  # imports torch: most of every command's start-up
from handwrite.grader.i18n import tr


def _take_language(argv: list[str]) -> None:
    """``--lang zh|en`` may stand anywhere on the command line: it is taken out here, before
    typer parses, so that it also picks the language of the help text built below."""
    for i, arg in enumerate(argv[1:], 1):
        if arg == "--lang" and i + 1 < len(argv) or arg.startswith("--lang="):
            value = arg.partition("=")[2] if "=" in arg else argv[i + 1]
            del argv[i:i + (1 if "=" in arg else 2)]
            if value not in i18n.LANGUAGES:
                sys.stderr.write(f"error: --lang {value}: choose one of "
                                 f"{', '.join(i18n.LANGUAGES)}\n")
                raise SystemExit(2)
            i18n.set_language(value)
            return


_take_language(sys.argv)

# `check` is about to grade: fork the device check's sandbox now, so that its ~0.3 s warm-up
# overlaps loading typer and rich and parsing the command line (hence the late imports).
if sys.argv[1:2] == ["check"] and not {"--watch", "-w"} & set(sys.argv):
    sandbox.prestart()

import functools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import queue  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Annotated, Optional  # noqa: E402

import typer  # noqa: E402

import handwrite  # noqa: E402
from handwrite.grader import (  # noqa: E402
    HandwriteError, NothingAttempted, grade, grade_many, registry, render, workspace)
from handwrite.grader.advice import recommend  # noqa: E402
from handwrite.grader.mock import (  # noqa: E402
    MockInterview, Report, mmss, mock_length, pick_drills, running_mock)
from handwrite.grader.progress import Progress  # noqa: E402
from handwrite.grader.selftest import reference_source  # noqa: E402
from handwrite.grader.watch import watch as watch_attempts  # noqa: E402
from handwrite.grader.zygote import Zygote  # noqa: E402

DEMO_ATTEMPT = Path(handwrite.__file__).parent / "examples" / "blog_attention.py"
DEMO_MISTAKES = ("unused-projection", "mask-fill-overflow")

app = typer.Typer(
    help=tr("Practise the write-it-by-hand part of ML and LLM interviews, graded in about a "
            "second.", "练习 ML / LLM 面试里的手撕代码，约一秒出评分。"),
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
if i18n.language() != "en":  # typer's help words are English already: skip their import
    import typer.rich_utils  # noqa: E402

    render.translate_help(typer.rich_utils)
out = render.console()
err = render.console(stderr=True)

DrillArg = Annotated[str, typer.Argument(help=tr("Drill id, e.g. softmax or cross-entropy.",
                                                 "题目 id，例如 softmax 或 cross-entropy。"))]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help=tr("Don't ask for confirmation.",
                                                             "不再确认。"))]


def _friendly(command):
    """Library errors become one clear line on stderr and an exit code, never a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except HandwriteError as e:
            err.print(render.error(str(e)))
            raise typer.Exit(e.exit_code) from None
    return wrapper


def _progress(required: bool = False) -> Progress | None:
    """The workspace's progress database. If it can't be opened, practice goes on without
    history (a warning), unless the command only reads history (``required``): an error."""
    try:
        progress = Progress(workspace.home())
    except Exception as e:  # noqa: BLE001 - a broken history never blocks practice
        if required:
            raise HandwriteError(tr("can't read {path}: {e}", "无法读取 {path}：{e}",
                                    path=workspace.home() / "progress.db", e=e)) from None
        err.print(tr("warning: progress not saved ({e})", "警告：进度没有保存（{e}）", e=e),
                  style="yellow", markup=False)
        return None
    if progress.moved_aside:
        err.print(tr("warning: the progress database was damaged; moved it to {path} and "
                     "started a new one", "警告：进度数据库已损坏；已移到 {path} 并新建了一个",
                     path=progress.moved_aside), style="yellow", markup=False)
    return progress


def _version(value: bool) -> None:
    if value:
        out.print(f"handwrite {handwrite.__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help=tr("Show the version.",
                                                               "显示版本。"))] = False,
          lang: Annotated[Optional[str], typer.Option(
              "--lang", help=tr("zh or en (default: HANDWRITE_LANG, else the locale); may stand "
                                "anywhere on the line.", "zh 或 en（默认取 HANDWRITE_LANG，"
                                "其次是系统 locale）；可放在命令行任意位置。"))] = None) -> None:
    # (--lang is normally taken out of the line by _take_language; this is for callers that
    # run the app with their own arguments, as the tests do.)
    if lang is not None:
        i18n.set_language(lang)


_main.__doc__ = tr("""Practise the write-it-by-hand part of ML and LLM interviews, graded in about
    a second.

    Attempts live in ~/handwrite (set HANDWRITE_HOME to move it).
    """, """练习 ML / LLM 面试里的手撕代码，约一秒出评分。

    作答文件在 ~/handwrite（设置 HANDWRITE_HOME 可换位置）。
    """)


@app.command(help=tr("Grade a bundled attention attempt with the seed blog's two classic "
                     "mistakes.", "评测一份自带的 attention 作答，它带着那篇博客的两个经典错误。"))
@_friendly
def demo() -> None:
    card = grade("attention", DEMO_ATTEMPT)
    out.print(render.scorecard(card))
    found = [m for m in DEMO_MISTAKES if m in [n.id for n in card.mistakes]]
    out.print("\n" + tr("This attempt is written like the blog post handwrite grew from. The "
                        "grader named {n} of its {total} mistakes: {ids}.\nYour turn: handwrite "
                        "attempt attention", "这份作答照着 handwrite 起源的那篇博客写成。评测器"
                        "点出了其中 {total} 个错误里的 {n} 个：{ids}。\n轮到你了：handwrite "
                        "attempt attention", n=len(found), total=len(DEMO_MISTAKES),
                        ids=", ".join(found)), markup=False)
    raise typer.Exit(0 if len(found) == len(DEMO_MISTAKES) else 1)


@app.command("list", help=tr("The catalog: every drill, its level, tags, time budget and your "
                             "status.", "题目列表：每道题的难度、标签、限时和你的进度。"))
@_friendly
def list_() -> None:
    progress = _progress()
    out.print(render.catalog(registry.all_drills(), progress.stats() if progress else {}))


@app.command(help=tr("Start a drill: lay its stub into the workspace and print the task.",
                     "开始一道题：把初始代码放进工作区，并显示题目。"))
@_friendly
def attempt(drill: DrillArg) -> None:
    drill_id = registry.resolve(drill)
    path, created = workspace.start(drill_id)
    if created and (progress := _progress()):
        progress.record_event(drill_id, "attempt")
    out.print(render.task(registry.load(drill_id), workspace.task(drill_id), str(path), created))


FileOpt = Annotated[Optional[Path], typer.Option(
    "--file", "-f", help=tr("Grade this file instead of the workspace attempt.",
                            "评测这个文件，而不是工作区里的作答。"))]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help=tr("Show every failure.",
                                                                     "显示所有未通过的检查。"))]
PollOpt = Annotated[bool, typer.Option(
    "--poll", help=tr("Watch by polling: for WSL and network drives, where saves go unnoticed.",
                      "用轮询方式监视：适用于 WSL 和网络盘，那里保存可能察觉不到。"))]


@app.command(help=tr("Grade an attempt and print its scorecard (exit 0 only if every check "
                     "passes).", "评测作答并显示评分卡（全部检查通过时退出码为 0）。"))
@_friendly
def check(
    drill: Annotated[Optional[str], typer.Argument(
        help=tr("Drill id; leave out to grade every attempt in the workspace.",
                "题目 id；不写则评测工作区里的所有作答。"))] = None,
    file: FileOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help=tr("Print one JSON object.",
                                                            "输出一个 JSON 对象。"))] = False,
    verbose: VerboseOpt = False,
    watch: Annotated[bool, typer.Option(
        "--watch", "-w", help=tr("Grade again on every save (as `handwrite watch`).",
                                 "每次保存都重新评测（同 `handwrite watch`）。"))] = False,
    poll: PollOpt = False,
) -> None:
    attempts = _attempts(drill, file, watching=watch)
    if watch:
        return _watch(attempts, drill is None and file is None, poll, as_json, verbose)
    cards = grade_many(attempts)
    _record(cards)
    if as_json:
        body = cards[0].to_json() if drill or file else {
            "passed": all(c.passed for c in cards), "drills": [c.to_json() for c in cards]}
        sys.stdout.write(json.dumps(body) + "\n")
    else:
        for card in cards:
            out.print(render.scorecard(card, verbose))
        if len(cards) > 1:
            out.print(render.summary(cards))
    raise typer.Exit(0 if all(c.passed for c in cards) else 1)


@app.command("watch", help=tr("Grade on every save and redraw the scorecard (Ctrl-C stops).",
                              "每次保存都重新评测并刷新评分卡（Ctrl-C 退出）。"))
@_friendly
def watch_(
    drill: Annotated[Optional[str], typer.Argument(
        help=tr("Drill id; leave out to watch every attempt in the workspace.",
                "题目 id；不写则监视工作区里的所有作答。"))] = None,
    file: FileOpt = None,
    verbose: VerboseOpt = False,
    poll: PollOpt = False,
) -> None:
    _watch(_attempts(drill, file, watching=True), drill is None and file is None, poll, False,
           verbose)


def _attempts(drill: str | None, file: Path | None, watching: bool) -> list[tuple[str, Path]]:
    """(drill id, file) pairs to grade: the named drill, or every attempt in the workspace."""
    if drill is None and file is not None:
        if file.stem.replace("-", "_").lower() not in registry.ids():
            raise HandwriteError(tr("which drill is {file}? Name it: handwrite check DRILL "
                                    "--file {file}", "{file} 是哪道题？请写明：handwrite check "
                                    "题目 --file {file}", file=file))
        drill = file.stem  # `handwrite check --file softmax.py` names its drill
    ids = [registry.resolve(drill)] if drill else workspace.attempted()
    if not ids and not watching:  # a watch of the workspace waits for the first attempt
        raise NothingAttempted(workspace.home())
    return [(d, workspace.existing_attempt(d, file)) for d in ids]


def _record(cards: list) -> None:
    progress = _progress()
    for card in cards if progress else ():
        progress.record(card)


def _watch(attempts: list[tuple[str, Path]], whole_workspace: bool, poll: bool, as_json: bool,
           verbose: bool) -> None:
    folder = workspace.home() if whole_workspace else None
    watched = [p for _, p in attempts] or [workspace.home()]
    try:
        for cards in watch_attempts(attempts, poll=poll, workspace=folder):
            if not cards:  # nothing attempted yet: waiting for the first save
                out.print(render.watching(watched, poll, graded=None))
                continue
            _record(cards)
            if as_json:  # one JSON object per line, per grading
                for card in cards:
                    sys.stdout.write(json.dumps(card.to_json()) + "\n")
                sys.stdout.flush()
                continue
            if out.is_terminal:
                out.clear()
            for card in cards:
                out.print(render.scorecard(card, verbose))
            out.print(render.watching(watched, poll, graded=cards))
    except KeyboardInterrupt:
        err.print(tr("stopped watching", "已停止监视"), style="dim", markup=False)


@app.command(help=tr("Show the next hint for a drill: one more each time, vague first.",
                     "显示下一条提示：每次多一条，由浅入深。"))
@_friendly
def hint(drill: DrillArg) -> None:
    spec = registry.load(registry.resolve(drill))
    progress = _progress()
    index = progress.next_hint(spec.id, len(spec.hints)) if progress else 0
    out.print(render.hint(spec, index))


@app.command(help=tr("Show the reference solution (asks first unless you have passed the "
                     "drill).", "显示参考答案（没通过的题会先确认）。"))
@_friendly
def solution(drill: DrillArg, yes: YesOpt = False) -> None:
    spec = registry.load(registry.resolve(drill))
    progress = _progress()
    if progress and (running := running_mock(progress, spec.id)):
        until = time.strftime("%H:%M", time.localtime(running.started_at + mock_length(running)))
        raise HandwriteError(tr("{id} is in the mock interview running until {until}: its "
                                "solution stays locked until then (`handwrite mock --resume` "
                                "goes on with it)", "{id} 在进行中的模拟面试里（到 {until} 结束）："
                                "在那之前答案保持锁定（`handwrite mock --resume` 可继续面试）",
                                id=spec.id, until=until))
    if not (yes or (progress and progress.ever_passed(spec.id))):
        if not typer.confirm(tr("You haven't passed {id} yet. Show the solution?",
                                "你还没通过 {id}。要看答案吗？", id=spec.id), err=True):
            raise typer.Exit(1)
    render.show_code(reference_source(spec), out)


@app.command(help=tr("Put the stub back in place of your attempt (asks first; --yes skips).",
                     "用初始代码替换你的作答（会先确认；--yes 跳过确认）。"))
@_friendly
def reset(drill: DrillArg, yes: YesOpt = False) -> None:
    drill_id = registry.resolve(drill)
    path = workspace.attempt_path(drill_id)
    if path.exists() and not yes:
        if not typer.confirm(tr("Replace {path} with the stub? Your attempt will be lost.",
                                "用初始代码替换 {path}？你的作答会丢失。", path=path), err=True):
            raise typer.Exit(1)
    out.print(tr("{path} is the stub again.", "{path} 已恢复为初始代码。",
                 path=workspace.reset(drill_id)), markup=False)
    if progress := _progress():
        progress.record_event(drill_id, "reset")


@app.command(help=tr("Your history: each drill's checks, passes and times to pass, mock "
                     "interviews, and a chart of checks per day.", "你的练习记录：每道题的检查次数、"
                     "通过次数和通过用时，模拟面试，以及每天检查次数的图表。"))
@_friendly
def stats(days: Annotated[int, typer.Option(
        "--days", min=1, max=30, help=tr("Days the chart covers.", "图表覆盖的天数。"))] = 14
          ) -> None:
    progress = _progress(required=True)
    history = progress.stats()
    if not any(s.checks for s in history.values()) and not progress.mocks():
        out.print(tr("No checks yet: `handwrite next` says where to start.",
                     "还没有检查记录：`handwrite next` 会告诉你从哪里开始。"), markup=False)
        return
    out.print(render.stats(history, registry.all_drills(), progress.mocks(),
                           progress.daily(days), progress.clock()))


@app.command("next", help=tr("What to practise now, and why (one drill, by a simple "
                             "spaced-repetition rule).", "现在该练什么、为什么（按一条简单的间隔"
                             "重复规则选一道题）。"))
@_friendly
def next_() -> None:
    progress = _progress(required=True)
    advice = recommend(registry.all_drills(), progress.stats(), progress.clock())
    out.print(render.advice(advice, registry.load(advice.drill),
                            workspace.attempt_path(advice.drill).exists()))


@app.command(help=tr(
    "A timed mock interview: drills drawn at mixed levels, fresh stubs in their own folder, a "
    "countdown, re-grading on save, hints counted (h), solutions locked until it ends, then a "
    "scored report kept in `handwrite stats`. Ctrl-C pauses it; --resume goes on (the clock "
    "keeps running meanwhile).", "限时模拟面试：按难度混合抽题，初始代码放在单独的文件夹，"
    "倒计时，保存即重新评测，提示会计数（h），结束前不能看答案，最后给出评分报告并记入 "
    "`handwrite stats`。Ctrl-C 暂停；--resume 继续（期间计时不停）。"))
@_friendly
def mock(
    minutes: Annotated[int, typer.Option(
        "--minutes", "-m", min=1, help=tr("Length in minutes.", "时长（分钟）。"))] = 45,
    count: Annotated[int, typer.Option("--count", "-n", min=1, help=tr(
        "Drills to draw.", "抽几道题。"))] = 3,
    tags: Annotated[Optional[str], typer.Option(
        help=tr("Draw only drills with one of these tags, e.g. attention,losses.",
                "只抽带这些标签之一的题，例如 attention,losses。"))] = None,
    drills: Annotated[Optional[str], typer.Option(
        help=tr("These drills instead of a draw, e.g. attention,cross_entropy.",
                "不抽题，直接用这些题，例如 attention,cross_entropy。"))] = None,
    seed: Annotated[Optional[int], typer.Option(help=tr(
        "Seed of the draw, to repeat it.", "抽题的随机种子，用来重现同一次抽题。"))] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help=tr("Go on with the last unfinished mock interview.",
                            "继续上一场没完成的模拟面试。"))] = False,
    plain: Annotated[bool, typer.Option(
        "--plain", help=tr("One line per event instead of the live panel.",
                           "每个事件输出一行，而不是实时面板。"))] = False,
    seconds: Annotated[Optional[float], typer.Option(
        "--seconds", hidden=True, help="Length in seconds, overriding --minutes (tests).")] = None,
) -> None:
    zygote = Zygote()  # before any drill's spec (and reference) is imported: see zygote.py
    progress = _progress()
    if resume:
        if progress is None:
            raise HandwriteError(tr("can't resume: the progress database could not be opened",
                                    "无法继续：打不开进度数据库"))
        interview = MockInterview.resume(progress)
        out.print(tr("resuming mock interview {id}: {left} left", "继续模拟面试 {id}：还剩 {left}",
                     id=interview.mock_id, left=mmss(interview.remaining())), markup=False)
    else:
        picked = pick_drills(registry.all_drills(), count, minutes, _split(tags), seed,
                             _split(drills))
        interview = MockInterview.start(picked, workspace.home(), seconds or minutes * 60,
                                        progress=progress, seed=seed)
    out.print(tr("mock interview: {ids} · {left} to go · edit {folder}/<drill>.py · solutions "
                 "locked until it ends", "模拟面试：{ids} · 还剩 {left} · 编辑 {folder}/<题目>.py · "
                 "结束前不能看答案", ids=", ".join(d.id for d in interview.drills),
                 left=mmss(interview.remaining()), folder=render.short_path(str(interview.folder))),
              markup=False)
    live = out.is_terminal and sys.stdin.isatty() and not plain
    try:
        report = _run_mock(interview, live, zygote)
    finally:
        zygote.close()
    if report is None:
        err.print(tr("interrupted at {t}: saved; `handwrite mock --resume` goes on with it (the "
                     "clock keeps running)", "在 {t} 时中断：已保存；`handwrite mock --resume` "
                     "可继续（计时不停）", t=mmss(interview.elapsed())), markup=False)
        raise typer.Exit(130)
    out.print(render.mock_report(report))


def _split(names: str | None) -> list[str] | None:
    return [n.strip() for n in names.split(",") if n.strip()] if names else None


def _run_mock(interview: MockInterview, live: bool, zygote: Zygote) -> Report | None:
    """The event loop: gradings from a watch thread and keys from a reader thread arrive on
    one queue; the main thread owns the interview (and the database). None if interrupted."""
    events: queue.Queue = queue.Queue()
    stop = threading.Event()

    def grade() -> None:
        try:
            for cards in watch_attempts(interview.attempts(), stop=stop, zygote=zygote):
                events.put(("cards", cards))
        except Exception as e:  # noqa: BLE001 - handed to the main thread
            events.put(("error", e))

    def hang_up(signum, frame):
        raise KeyboardInterrupt  # a closed terminal ends it as Ctrl-C does: saved, resumable

    grader = threading.Thread(target=grade, daemon=True)
    grader.start()
    selected, hint_text, confirming = 0, "", False
    old_hup = signal.signal(signal.SIGHUP, hang_up)
    terminal = _Keys(events, stop) if live else None
    view = None
    try:
        if live:
            view = render.live(render.mock_panel(interview, selected), out)
        while True:
            if interview.time_up:
                if not live:
                    out.print(f"{mmss(interview.length_s)} " + tr("time up", "时间到"),
                              markup=False)
                return interview.finish("time up")
            try:
                kind, value = events.get(timeout=0.25)
            except queue.Empty:
                kind = value = None
            if kind == "error":
                raise value
            if kind == "cards":
                for change in interview.on_cards(value):
                    if not live:
                        out.print(render.mock_event(change), markup=False)
            elif kind == "key" and confirming:
                confirming = False
                if value in ("y", "Y"):
                    return interview.finish("finished early")
            elif kind == "key":
                drill = interview.drills[selected]
                if value == "q":
                    confirming = True
                elif value == "h":
                    got = interview.hint(drill.id)
                    hint_text = (tr("hint {id} {i}/{n}: {text}", "提示 {id} {i}/{n}：{text}",
                                    id=drill.id, i=got[0], n=len(drill.hints), text=got[1]) if got
                                 else tr("no more hints for {id}", "{id} 没有更多提示了",
                                         id=drill.id))
                elif value in ("up", "down"):
                    selected = (selected + (1 if value == "down" else -1)) % len(interview.drills)
                elif value.isdigit() and 1 <= int(value) <= len(interview.drills):
                    selected = int(value) - 1
            if view is not None:
                view.update(render.mock_panel(interview, selected, hint_text, confirming),
                            refresh=True)
    except KeyboardInterrupt:
        return None
    finally:
        stop.set()
        if view is not None:
            view.update(render.mock_panel(interview, selected, hint_text), refresh=True)
            view.stop()
        if terminal is not None:
            terminal.close()
        signal.signal(signal.SIGHUP, old_hup)
        grader.join(timeout=3)


class _Keys:
    """Keys from a terminal in cbreak mode (restored by ``close``), put on ``events`` as
    'h', 'q', 'y', digits, 'up' and 'down'. Ctrl-C still interrupts."""

    ARROWS = {"\x1b[A": "up", "\x1b[B": "down", "\x1bOA": "up", "\x1bOB": "down"}

    def __init__(self, events: queue.Queue, stop: threading.Event):
        import termios
        import tty

        self.fd = sys.stdin.fileno()
        self.saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd)
        self.events, self.stop = events, stop
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while not self.stop.is_set():
            if not select.select([self.fd], [], [], 0.2)[0]:
                continue
            data = os.read(self.fd, 64).decode(errors="replace")
            if not data:
                return  # the terminal is gone
            while data:
                arrow = next((a for a in self.ARROWS if data.startswith(a)), None)
                key, data = (self.ARROWS[arrow], data[len(arrow):]) if arrow else (data[0],
                                                                                   data[1:])
                self.events.put(("key", key))

    def close(self) -> None:
        import termios

        termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)


def main() -> None:
    app()
