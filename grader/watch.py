"""Watch mode: grade now, then again on every save, from a warm zygote."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import watchfiles

from . import registry
from .judge import grade_many
from .results import Scorecard
from .sandbox import DEFAULT_TIMEOUT_S
from .zygote import Zygote


def watch(attempts: list[tuple[str, str | Path]], poll: bool = False,
          timeout_s: float = DEFAULT_TIMEOUT_S, workspace: Path | None = None,
          stop=None) -> Iterator[list[Scorecard]]:
    """Grade ``attempts`` (drill id, file) now, then each file again whenever it is saved.

    Yields the new scorecards after every grading. With ``workspace``, a save of any
    ``<workspace>/<drill>.py`` is graded too, so drills started later are picked up. ``poll``
    polls the files instead of asking the OS (WSL, network drives). ``stop``: a
    threading.Event that ends the watch.
    """
    watched = {Path(p).resolve(): d for d, p in attempts}
    folders = {p.parent for p in watched} | ({workspace.resolve()} if workspace else set())

    def drill_of(path: Path) -> str | None:
        if path in watched:
            return watched[path]
        if workspace and path.parent == workspace.resolve() and path.stem in registry.ids():
            return path.stem
        return None

    # Forked before any reference is imported, and kept warm: each re-grade forks from it.
    zygote = Zygote()
    try:
        if watched:
            yield grade_many(list((d, p) for p, d in watched.items()), timeout_s, zygote)
        # The folder, not the file: editors that save atomically replace the file by renaming.
        for changes in watchfiles.watch(*sorted(map(str, folders)), force_polling=poll,
                                        stop_event=stop, step=30, rust_timeout=1000,
                                        yield_on_timeout=False, raise_interrupt=True):
            saved = {Path(p).resolve() for _, p in changes}
            due = sorted({(drill_of(p), p) for p in saved if drill_of(p) and p.is_file()})
            if due:
                yield grade_many(due, timeout_s, zygote)
    finally:
        zygote.close()
