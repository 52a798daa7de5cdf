"""The `handwrite` command: parses arguments and renders. Everything else is a library call."""

from __future__ import annotations

import sys

from handwrite.grader import sandbox  # imports torch: most of every command's start-up

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
    help="Practise the write-it-by-hand part of ML and LLM interviews, graded in about a second.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
out = render.console()
err = render.console(stderr=True)

DrillArg = Annotated[str, typer.Argument(help="Drill id, e.g. softmax or cross-entropy.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Don't ask for confirmation.")]


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
            raise HandwriteError(f"can't read {workspace.home() / 'progress.db'}: {e}") from None
        err.print(f"warning: progress not saved ({e})", style="yellow", markup=False)
        return None
    if progress.moved_aside:
        err.print(f"warning: the progress database was damaged; moved it to "
                  f"{progress.moved_aside} and started a new one", style="yellow", markup=False)
    return progress


def _version(value: bool) -> None:
    if value:
        out.print(f"handwrite {handwrite.__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version.")] = False) -> None:
    """Practise the write-it-by-hand part of ML and LLM interviews, graded in about a second.

    Attempts live in ~/handwrite (set HANDWRITE_HOME to move it).
    """


@app.command()
@_friendly
def demo() -> None:
    """Grade a bundled attention attempt with the seed blog's two classic mistakes."""
    card = grade("attention", DEMO_ATTEMPT)
    out.print(render.scorecard(card))
    found = [m for m in DEMO_MISTAKES if m in [n.id for n in card.mistakes]]
    out.print(f"\nThis attempt is written like the blog post handwrite grew from. The grader "
              f"named {len(found)} of its {len(DEMO_MISTAKES)} mistakes: {', '.join(found)}.\n"
              "Your turn: handwrite attempt attention", markup=False)
    raise typer.Exit(0 if len(found) == len(DEMO_MISTAKES) else 1)


@app.command("list")
@_friendly
def list_() -> None:
    """The catalog: every drill, its level, tags, time budget and your status."""
    progress = _progress()
    out.print(render.catalog(registry.all_drills(), progress.stats() if progress else {}))


@app.command()
@_friendly
def attempt(drill: DrillArg) -> None:
    """Start a drill: lay its stub into the workspace and print the task."""
    drill_id = registry.resolve(drill)
    path, created = workspace.start(drill_id)
    if created and (progress := _progress()):
        progress.record_event(drill_id, "attempt")
    out.print(render.task(registry.load(drill_id), workspace.task(drill_id), str(path), created))


FileOpt = Annotated[Optional[Path], typer.Option(
    "--file", "-f", help="Grade this file instead of the workspace attempt.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show every failure.")]
PollOpt = Annotated[bool, typer.Option(
    "--poll", help="Watch by polling: for WSL and network drives, where saves go unnoticed.")]


@app.command()
@_friendly
def check(
    drill: Annotated[Optional[str], typer.Argument(
        help="Drill id; leave out to grade every attempt in the workspace.")] = None,
    file: FileOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    verbose: VerboseOpt = False,
    watch: Annotated[bool, typer.Option(
        "--watch", "-w", help="Grade again on every save (as `handwrite watch`).")] = False,
    poll: PollOpt = False,
) -> None:
    """Grade an attempt and print its scorecard (exit 0 only if every check passes)."""
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


@app.command("watch")
@_friendly
def watch_(
    drill: Annotated[Optional[str], typer.Argument(
        help="Drill id; leave out to watch every attempt in the workspace.")] = None,
    file: FileOpt = None,
    verbose: VerboseOpt = False,
    poll: PollOpt = False,
) -> None:
    """Grade on every save and redraw the scorecard (Ctrl-C stops)."""
    _watch(_attempts(drill, file, watching=True), drill is None and file is None, poll, False,
           verbose)


def _attempts(drill: str | None, file: Path | None, watching: bool) -> list[tuple[str, Path]]:
    """(drill id, file) pairs to grade: the named drill, or every attempt in the workspace."""
    if drill is None and file is not None:
        if file.stem.replace("-", "_").lower() not in registry.ids():
            raise HandwriteError(f"which drill is {file}? Name it: handwrite check DRILL --file "
                                 f"{file}")
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
        err.print("stopped watching", style="dim", markup=False)


@app.command()
@_friendly
def hint(drill: DrillArg) -> None:
    """Show the next hint for a drill: one more each time, vague first."""
    spec = registry.load(registry.resolve(drill))
    progress = _progress()
    index = progress.next_hint(spec.id, len(spec.hints)) if progress else 0
    out.print(render.hint(spec, index))


@app.command()
@_friendly
def solution(drill: DrillArg, yes: YesOpt = False) -> None:
    """Show the reference solution (asks first unless you have passed the drill)."""
    spec = registry.load(registry.resolve(drill))
    progress = _progress()
    if progress and (running := running_mock(progress, spec.id)):
        until = time.strftime("%H:%M", time.localtime(running.started_at + mock_length(running)))
        raise HandwriteError(f"{spec.id} is in the mock interview running until {until}: its "
                             "solution stays locked until then (`handwrite mock --resume` "
                             "goes on with it)")
    if not (yes or (progress and progress.ever_passed(spec.id))):
        if not typer.confirm(f"You haven't passed {spec.id} yet. Show the solution?", err=True):
            raise typer.Exit(1)
    render.show_code(reference_source(spec), out)


@app.command()
@_friendly
def reset(drill: DrillArg, yes: YesOpt = False) -> None:
    """Put the stub back in place of your attempt (asks first; --yes skips)."""
    drill_id = registry.resolve(drill)
    path = workspace.attempt_path(drill_id)
    if path.exists() and not yes:
        if not typer.confirm(f"Replace {path} with the stub? Your attempt will be lost.",
                             err=True):
            raise typer.Exit(1)
    out.print(f"{workspace.reset(drill_id)} is the stub again.", markup=False)
    if progress := _progress():
        progress.record_event(drill_id, "reset")


@app.command()
@_friendly
def stats(days: Annotated[int, typer.Option(
        "--days", min=1, max=30, help="Days the chart covers.")] = 14) -> None:
    """Your history: each drill's checks, passes and times to pass, mock interviews, and a
    chart of checks per day."""
    progress = _progress(required=True)
    history = progress.stats()
    if not any(s.checks for s in history.values()) and not progress.mocks():
        out.print("No checks yet: `handwrite next` says where to start.", markup=False)
        return
    out.print(render.stats(history, registry.all_drills(), progress.mocks(),
                           progress.daily(days), progress.clock()))


@app.command("next")
@_friendly
def next_() -> None:
    """What to practise now, and why (one drill, by a simple spaced-repetition rule)."""
    progress = _progress(required=True)
    advice = recommend(registry.all_drills(), progress.stats(), progress.clock())
    out.print(render.advice(advice, registry.load(advice.drill),
                            workspace.attempt_path(advice.drill).exists()))


@app.command()
@_friendly
def mock(
    minutes: Annotated[int, typer.Option(
        "--minutes", "-m", min=1, help="Length in minutes.")] = 45,
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="Drills to draw.")] = 3,
    tags: Annotated[Optional[str], typer.Option(
        help="Draw only drills with one of these tags, e.g. attention,losses.")] = None,
    drills: Annotated[Optional[str], typer.Option(
        help="These drills instead of a draw, e.g. attention,cross_entropy.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed of the draw, to repeat it.")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Go on with the last unfinished mock interview.")] = False,
    plain: Annotated[bool, typer.Option(
        "--plain", help="One line per event instead of the live panel.")] = False,
    seconds: Annotated[Optional[float], typer.Option(
        "--seconds", hidden=True, help="Length in seconds, overriding --minutes (tests).")] = None,
) -> None:
    """A timed mock interview: drills drawn at mixed levels, fresh stubs in their own folder,
    a countdown, re-grading on save, hints counted (h), solutions locked until it ends, then a
    scored report kept in `handwrite stats`. Ctrl-C pauses it; --resume goes on (the clock
    keeps running meanwhile)."""
    zygote = Zygote()  # before any drill's spec (and reference) is imported: see zygote.py
    progress = _progress()
    if resume:
        if progress is None:
            raise HandwriteError("can't resume: the progress database could not be opened")
        interview = MockInterview.resume(progress)
        out.print(f"resuming mock interview {interview.mock_id}: {mmss(interview.remaining())} "
                  "left", markup=False)
    else:
        picked = pick_drills(registry.all_drills(), count, minutes, _split(tags), seed,
                             _split(drills))
        interview = MockInterview.start(picked, workspace.home(), seconds or minutes * 60,
                                        progress=progress, seed=seed)
    out.print(f"mock interview: {', '.join(d.id for d in interview.drills)} · "
              f"{mmss(interview.remaining())} to go · edit "
              f"{render.short_path(str(interview.folder))}/<drill>.py · "
              "solutions locked until it ends", markup=False)
    live = out.is_terminal and sys.stdin.isatty() and not plain
    try:
        report = _run_mock(interview, live, zygote)
    finally:
        zygote.close()
    if report is None:
        err.print(f"interrupted at {mmss(interview.elapsed())}: saved; `handwrite mock "
                  "--resume` goes on with it (the clock keeps running)", markup=False)
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
                    out.print(f"{mmss(interview.length_s)} time up", markup=False)
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
                    hint_text = (f"hint {drill.id} {got[0]}/{len(drill.hints)}: {got[1]}" if got
                                 else f"no more hints for {drill.id}")
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
