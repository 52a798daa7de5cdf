"""The one exception family the library raises: each message names the problem and the fix."""

from __future__ import annotations


class HandwriteError(Exception):
    """A problem the user can fix; ``exit_code`` is what the CLI exits with."""

    exit_code = 2


class UnknownDrill(HandwriteError):
    def __init__(self, name: str, close: list[str], known: list[str]):
        hint = f"did you mean {', '.join(close)}?" if close else f"known drills: {', '.join(known)}"
        super().__init__(f"no drill named {name!r}: {hint}")
        self.close = close


class MissingAttempt(HandwriteError):
    def __init__(self, path, drill_id: str | None = None):
        fix = f" - run `handwrite attempt {drill_id}` first" if drill_id else ""
        super().__init__(f"no attempt file at {path}{fix}")


class NothingAttempted(HandwriteError):
    def __init__(self, workspace):
        super().__init__(f"no attempts in {workspace} yet - "
                         "start one with `handwrite attempt softmax`")
