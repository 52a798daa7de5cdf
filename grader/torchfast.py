"""Detours around torch's lazy imports, which would otherwise cost more than the grading.

A check must take about as long as ``import torch``. Two first uses import far more:
``Tensor.backward`` imports sympy (~0.5 s), and the first op on the meta device imports
sympy and torch._dynamo (~1 s) only to wrap a few Python meta kernels in ``dynamo.disable``.
"""

from __future__ import annotations

import gc
import sys
import types

import torch
from torch.autograd.graph import _engine_run_backward


def backward(out, grad) -> None:
    """``out.backward(grad)`` straight into the C++ engine (skips the sympy import); ``out``
    and ``grad`` may be tuples, as in ``torch.autograd.backward``."""
    outs = out if isinstance(out, tuple) else (out,)
    grads = grad if isinstance(grad, tuple) else (grad,)
    _engine_run_backward(outs, grads, False, False, (), allow_unreachable=True,
                         accumulate_grad=True)


def warm_meta_device() -> None:
    """Run typical drill ops on the meta device once, with dynamo.disable stubbed out.

    torch wraps some meta kernels in ``torch._disable_dynamo``, which imports torch._dynamo on
    the first call of each only to ask it for a no-op wrapper, then caches it. Answering with a
    stub for these calls keeps dynamo out; the stub is removed again afterwards, so anything
    that really needs dynamo later imports the real one.
    """
    if "torch._dynamo" in sys.modules:
        return
    _skip_dynamo_disable()
    stub = types.ModuleType("torch._dynamo")
    stub.disable = lambda fn=None, recursive=True, **_: fn
    sys.modules["torch._dynamo"] = stub
    try:
        with torch.no_grad():
            for dtype in (torch.float32, torch.float16, torch.bfloat16, torch.float64):
                _typical_ops(dtype)
        _typical_ops(torch.float32)
    finally:
        if sys.modules.get("torch._dynamo") is stub:
            del sys.modules["torch._dynamo"]


def _skip_dynamo_disable() -> None:
    """Answer every ``_disable_dynamo`` wrapper's question now, for all ops at once.

    Each wrapped kernel (a few hundred, in torch._refs and the meta registrations) asks on its
    first call for ``torch._dynamo.disable(fn)``, caching the answer on ``fn``. Outside
    torch.compile that answer is ``fn`` itself, so caching ``fn`` up front is the same, and
    covers the ops an attempt may use that the warm-up below never runs (torch.maximum,
    torch.cat, cumsum, tanh ...): each would otherwise import dynamo, 2 to 4 s, mid-grading.
    """
    from torch._compile import _disable_dynamo

    inner = _disable_dynamo(lambda: None).__code__
    for obj in gc.get_objects():
        if type(obj) is types.FunctionType and obj.__code__ is inner:  # type(): no __class__ hooks
            fn = obj.__closure__[inner.co_freevars.index("fn")].cell_contents
            if getattr(fn, "__dynamo_disable", None) is None:
                fn.__dynamo_disable = fn


def _typical_ops(dtype: torch.dtype) -> None:
    x = torch.ones(2, 3, 4, device="meta", dtype=dtype, requires_grad=dtype.is_floating_point)
    m = torch.ones(3, 3, device="meta", dtype=torch.bool)
    z = x.to(torch.float32) - x.amax(-1, keepdim=True)
    e = z.exp() / z.exp().sum(-1, keepdim=True) * 2.0 + 1
    s = (x @ x.transpose(-1, -2)).masked_fill(~m, float("-inf")).softmax(-1)
    v = x.var(-1, unbiased=False, keepdim=True) + x.pow(2).mean(-1, keepdim=True)
    torch.rsqrt(v + 1e-5).sqrt().log()
    torch.logsumexp(e, -1)
    torch.nn.functional.linear(x, torch.ones(4, 4, device="meta", dtype=dtype))
    s.reshape(2, -1).view(-1).contiguous().float().to(dtype)
    x.gather(-1, torch.zeros(2, 3, 1, dtype=torch.long, device="meta")).neg().mean()
    torch.where(m, s[0], 0.0).max(-1).values.clamp(min=0).abs()
