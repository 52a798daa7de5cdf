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
          stop=None, zygote: Zygote | None = None) -> Iterator[list[Scorecard]]:
    """Grade ``attempts`` (drill id, file) now, then each file again whenever it is saved.

    Yields the new scorecards after every grading (first an empty list if there is nothing
    to grade yet: the watch has begun). With ``workspace``, a save of any
    ``<workspace>/<drill>.py`` is graded too, so drills started later are picked up. ``poll``
    polls the files instead of asking the OS (WSL, network drives). ``stop``: a
    threading.Event that ends the watch. ``zygote``: one the caller forked before importing
    any reference (else one is forked here, which must then be before any such import).
    """
    watched = {Path(p).resolve(): d for d, p in attempts}
    folders = {p.parent for p in watched} | ({workspace.resolve()} if workspace else set())

    def candidates() -> dict[Path, str]:
        """Every file a save of which means a grading: the attempts, and in the workspace
        any ``<drill>.py``."""
        found = dict(watched)
        if workspace:
            found |= {p.resolve(): p.stem for p in workspace.glob("*.py") if p.stem in ids}
        return found

    ids = set(registry.ids())
    # Forked before any reference is imported, and kept warm: each re-grade forks from it.
    own_zygote = zygote is None
    zygote = zygote or Zygote()
    # The folder, not the file: editors that save atomically replace the file by renaming.
    # The first (empty, timed-out) yield says the watcher is set up, its first poll included:
    # no save is missed from then on, even one made while a grading runs.
    saves = watchfiles.watch(*sorted(map(str, folders)), force_polling=poll, stop_event=stop,
                             step=30, poll_delay_ms=300, rust_timeout=500,
                             yield_on_timeout=True)
    try:
        next(saves)
        # An event only wakes us up; what changed is told by each file's fingerprint, which
        # catches two saves within a second (polling compares whole seconds) and skips
        # events that changed nothing (an editor touching the file).
        seen = {p: _fingerprint(p) for p in candidates()}
        yield grade_many([(d, p) for p, d in watched.items()], timeout_s, zygote) if watched else []
        for changes in saves:
            if not changes:
                continue
            due = []
            for path, drill_id in candidates().items():
                now = _fingerprint(path)
                if now is not None and now != seen.get(path):
                    seen[path] = now
                    due.append((drill_id, path))
            if due:
                yield grade_many(sorted(due), timeout_s, zygote)
    finally:
        saves.close()
        if own_zygote:
            zygote.close()


def _fingerprint(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino
