"""The one exception family the library raises: each message names the problem and the fix."""

from __future__ import annotations

from .i18n import tr


class HandwriteError(Exception):
    """A problem the user can fix; ``exit_code`` is what the CLI exits with."""

    exit_code = 2


class UnknownDrill(HandwriteError):
    def __init__(self, name: str, close: list[str], known: list[str]):
        hint = (tr("did you mean {ids}?", "你是不是想找 {ids}？", ids=", ".join(close)) if close
                else tr("known drills: {ids}", "已有的题目：{ids}", ids=", ".join(known)))
        super().__init__(tr("no drill named {name!r}: {hint}", "没有叫 {name!r} 的题目：{hint}",
                            name=name, hint=hint))
        self.close = close


class MissingAttempt(HandwriteError):
    def __init__(self, path, drill_id: str | None = None):
        fix = tr(" - run `handwrite attempt {id}` first", "，请先运行 `handwrite attempt {id}`",
                 id=drill_id) if drill_id else ""
        super().__init__(tr("no attempt file at {path}", "{path} 没有作答文件", path=path) + fix)


class NothingAttempted(HandwriteError):
    def __init__(self, workspace):
        super().__init__(tr("no attempts in {ws} yet - start one with `handwrite attempt "
                            "softmax`", "{ws} 里还没有作答：用 `handwrite attempt softmax` 开始",
                            ws=workspace))
