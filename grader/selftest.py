"""Attempt files made from a drill's own declarations, for the self-test of every drill.

A known mistake is written in its spec as a top-level function (or an nn.Module subclass of
the reference) that uses only torch, math, F, nn and the reference, which it may call as
``reference``. Here it becomes a standalone attempt file, graded like anything a user writes.
"""

from __future__ import annotations

import inspect

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
        inspect.getsource(impl),
        f"{drill.entry} = {impl.__name__}\n",
    ])
