"""Attempt files made from a drill's own declarations, for the self-test of every drill.

A known mistake is written in its spec as a top-level function (or an nn.Module subclass of
the reference) that uses only torch, math, F, nn, the reference, which it may call as
``reference``, and the spec's own private helpers (``_name``) that share what several
mistakes get right. Here it becomes a standalone attempt file, graded like anything a user
writes: the helpers it calls are pasted before it.
"""

from __future__ import annotations

import inspect
import sys
import types

from . import registry
from .spec import Drill, Mistake

_PRELUDE = "import math\n\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def reference_source(drill: Drill) -> str:
    """The reference file, as ``handwrite solution`` shows it."""
    return registry.reference_path(drill.id).read_text()


def mistake_source(drill: Drill, mistake: Mistake) -> str:
    """A standalone attempt file whose ``entry`` makes exactly this mistake."""
    impl = mistake.impl
    return "\n\n".join([
        _PRELUDE,
        reference_source(drill),
        f"reference = {drill.entry}",
        *[inspect.getsource(helper) for helper in _helpers(impl)],
        inspect.getsource(impl),
        f"{drill.entry} = {impl.__name__}\n",
    ])


def _helpers(impl) -> list:
    """The spec's private functions that ``impl`` calls, directly or through each other."""
    spec = vars(sys.modules[impl.__module__])
    found: dict[str, types.FunctionType] = {}

    def visit(code: types.CodeType) -> None:
        for name in code.co_names:
            fn = spec.get(name)
            if (name.startswith("_") and name not in found and inspect.isfunction(fn)
                    and fn.__module__ == impl.__module__):
                found[name] = fn
                visit(fn.__code__)
        for const in code.co_consts:  # nested functions, lambdas, comprehensions, methods
            if isinstance(const, types.CodeType):
                visit(const)

    for fn in ([impl] if inspect.isfunction(impl) else list(vars(impl).values())):
        if inspect.isfunction(fn):
            visit(fn.__code__)
    return list(found.values())
