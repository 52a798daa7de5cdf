"""The drill format: everything a drill declares, so that the grader needs no code per drill.

A drill lives in two files: ``drills/<id>.py`` (the stub the user fills in) and
``solutions/<id>.py`` (the reference, shown by ``handwrite solution``), plus its spec in
``solutions/<id>_spec.py``, which builds one :class:`Drill` named ``DRILL``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable

import torch

from .i18n import T

CATEGORIES = ("load", "shape", "numerics", "masking", "stability", "gradients", "device", "rules")
DIFFICULTIES = ("easy", "medium", "hard")
# What the scorecard calls them; ids (above) stay English in --json and in the history.
CATEGORY_NAMES = {
    "load": T("load", zh="加载"), "shape": T("shape", zh="形状"),
    "numerics": T("numerics", zh="数值"), "masking": T("masking", zh="掩码"),
    "stability": T("stability", zh="数值稳定性"), "gradients": T("gradients", zh="梯度"),
    "device": T("device", zh="设备"), "rules": T("rules", zh="规则"),
}
DIFFICULTY_NAMES = {"easy": T("easy", zh="简单"), "medium": T("medium", zh="中等"),
                    "hard": T("hard", zh="困难")}

# A Call argument that the grader replaces with the device under test, for drills that make
# tensors from nothing (a positional-encoding table): torch.zeros(..., device=device).
DEVICE = "<device under test>"


@dataclass(frozen=True)
class Call:
    """One call of the attempt: arguments, and constructor arguments for module drills."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    init_args: tuple = ()  # module drills: MyModule(*init_args, **init_kwargs)
    init_kwargs: dict = field(default_factory=dict)


class Rand:
    """Deterministic inputs for one case, made in float64 and rounded to the case's dtype."""

    def __init__(self, seed: str, dtype: torch.dtype):
        self.gen = torch.Generator().manual_seed(zlib.crc32(seed.encode()))
        self.dtype = dtype

    def normal(self, *shape: int, scale: float = 1.0, offset: float = 0.0) -> torch.Tensor:
        x = torch.randn(shape, generator=self.gen, dtype=torch.float64) * scale + offset
        return x.to(self.dtype)

    def noncontiguous(self, *shape: int, **kw: float) -> torch.Tensor:
        """Same values as ``normal`` would give, but a transposed view: catches ``.view`` bugs."""
        swapped = (*shape[:-2], shape[-1], shape[-2])
        return self.normal(*swapped, **kw).transpose(-1, -2)

    def integers(self, high: int, *shape: int) -> torch.Tensor:
        return torch.randint(high, shape, generator=self.gen)

    def keep_mask(self, *shape: int, p: float = 0.6) -> torch.Tensor:
        """Bool mask, True = may attend; every row along the last dim keeps at least one key."""
        mask = torch.rand(shape, generator=self.gen) < p
        mask[..., 0] = True  # a row with every key masked is undefined: never test it
        return mask

    def mask(self, kind: str, B: int, Tq: int, Tk: int) -> torch.Tensor:
        """An attention mask (bool, True = may attend) of a kind a caller really passes:
        "causal" (Tq, Tk), "padding" (B, 1, 1, Tk), or a random one of shape "[Tq, Tk]",
        "[B, 1, Tq, Tk]" or "[B, 1, 1, Tk]". Every query keeps at least one key."""
        if kind == "causal":  # query i sees keys 0..i
            return torch.ones(Tq, Tk, dtype=torch.bool).tril()  # (Tq, Tk)
        if kind == "padding":  # sequence b has its first Tk - 2b keys, the rest is padding
            lengths = (Tk - 2 * torch.arange(B)).clamp(min=1)  # (B,)
            return (torch.arange(Tk) < lengths[:, None]).view(B, 1, 1, Tk)  # (B, 1, 1, Tk)
        shape = {"[Tq, Tk]": (Tq, Tk), "[B, 1, Tq, Tk]": (B, 1, Tq, Tk),
                 "[B, 1, 1, Tk]": (B, 1, 1, Tk)}[kind]
        return self.keep_mask(*shape)


Build = Callable[[Rand, SimpleNamespace], Call]


@dataclass(frozen=True)
class Property:
    """A check on the attempt's own output, beyond closeness to the reference, that says *why*
    an answer is wrong ("norms change: a rotation keeps them"), and what the run did.

    ``test(call, out, seen)`` returns None when it holds, else the reason. ``out`` is what the
    attempt returned (a tensor, or a tuple of them), ``seen.largest`` the shape of the largest
    tensor any op made during the call (to prove a Tq x Tk matrix was never built).
    """

    name: str
    category: str  # one of CATEGORIES
    test: Callable[[Call, Any, SimpleNamespace], str | None]


@dataclass(frozen=True)
class Case:
    """One input the attempt is run on and compared to the reference."""

    name: str  # what makes the case special, as the user reads it
    category: str  # the category it judges: shape, numerics, masking or stability
    dims: dict[str, int]  # named dims, each a distinct size, so errors can name dims back
    build: Build  # makes the Call from (rand, dims)
    dtype: torch.dtype = torch.float32
    magnitude: float = 1.0  # scale of the inputs: the tolerance grows with it
    grad: bool = False  # also compare input and parameter gradients
    # masking: return the call with masked-out inputs changed; the output must not move
    leak: Callable[[Call, Rand, SimpleNamespace], Call] | None = None
    # How the attempt is called when one plain call is not enough (a prefill then decode steps,
    # a method besides forward, a callback argument): drive(entry, *args, **kwargs) -> what is
    # compared. entry is the attempt's function, or its module with the weights loaded. It runs
    # in the sandbox, where it arrives as source: it may use only torch, math, F, nn, its
    # arguments and tr("English", "中文") for its own messages (no names from the spec module).
    drive: Callable | None = None
    properties: tuple[Property, ...] = ()

    def __post_init__(self) -> None:
        assert self.category in ("shape", "numerics", "masking", "stability"), self.category

    def make(self, drill_id: str) -> tuple[Call, Call | None]:
        rand = Rand(f"{drill_id}/{self.name}", self.dtype)
        dims = SimpleNamespace(**self.dims)
        call = self.build(rand, dims)
        return call, (self.leak(call, rand, dims) if self.leak else None)


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: same contract as the reference, with one classic bug."""

    id: str  # stable id, listed in --json "mistakes"
    explain: str  # one line: what is wrong and how to fix it
    impl: Any  # a function, or an nn.Module class for module drills


@dataclass(frozen=True)
class Drill:
    """Everything the grader, the CLI and the tests know about one drill."""

    id: str
    title: str
    difficulty: str  # easy, medium or hard
    tags: tuple[str, ...]
    minutes: int  # time budget in a mock interview
    entry: str  # the name the attempt must define
    reference: Any  # the reference function, or nn.Module class
    cases: tuple[Case, ...]
    mistakes: tuple[Mistake, ...]
    hints: tuple[str, ...]  # progressive: vague first, specific last
    forbidden: tuple[str, ...] = ()  # names that may not be called, matched by any route
    aliases: tuple[str, ...] = ()  # other names the CLI accepts, e.g. "mha" (a literal tuple)
    outputs: tuple[str, ...] = ()  # names of the outputs when the entry (or drive) returns a tuple
    differentiable: bool = True  # False: no gradient to check (a constant table, token ids)
    on_device: bool = True  # False: no tensors to place (pure Python, e.g. BPE): no device check
    # What to do when masked-out inputs still move the output (the leak test's advice).
    leak_advice: str = T("in attention, fill their scores with -inf before the softmax",
                         zh="注意力里要在 softmax 之前把这些分数填成 -inf")

    def __post_init__(self) -> None:
        assert self.difficulty in DIFFICULTIES, self.difficulty

    @property
    def is_module(self) -> bool:
        return isinstance(self.reference, type)

    def mistake(self, mistake_id: str) -> Mistake:
        return next(m for m in self.mistakes if m.id == mistake_id)
