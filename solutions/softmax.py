"""Softmax, written by hand: the reference that `handwrite check softmax` grades against."""

import torch


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, as ``torch.softmax(x, dim)``, in x's dtype."""
    # float16/bfloat16 lose digits at every exp and add: do the arithmetic in float32 at least.
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    # softmax(z) == softmax(z - c) for any c constant along dim. With c = the max along dim the
    # largest exponent is exp(0) = 1: nothing overflows, and the sum is >= 1, so no 0/0 either.
    z = z - z.amax(dim=dim, keepdim=True)  # same shape as x, <= 0
    e = z.exp()  # in (0, 1]
    return (e / e.sum(dim=dim, keepdim=True)).to(x.dtype)  # keepdim: broadcasts back along dim
