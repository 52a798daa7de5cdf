"""Inverted dropout, written by hand: the reference that `handwrite check dropout` grades
against."""

import torch


def dropout(x: torch.Tensor, p: float = 0.5, training: bool = True,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """Zero each entry of x with probability p and scale the survivors by 1 / (1 - p), as
    ``F.dropout(x, p, training)``, drawing the mask from ``generator``; the identity in eval."""
    if not training or p == 0.0:
        # Eval: every unit is there, and the training-time scaling already made each one's
        # expected value equal to x, so nothing is left to do. A copy, not x itself: the caller
        # may edit the result without touching its input.
        return x.clone()  # (...) same shape as x
    # One uniform draw per entry, from the caller's generator (reproducible runs), on x's
    # device: a mask made on the CPU would not multiply a GPU tensor. float32 at least: a
    # float16 draw has only 2^11 levels, which would bend the keep rate for odd p.
    u = torch.rand(x.shape, generator=generator, device=x.device,
                   dtype=torch.promote_types(x.dtype, torch.float32))  # (...) in [0, 1)
    keep = u >= p  # (...) True with probability 1 - p: p is the probability of DROPPING
    # Inverted dropout: scale at train time by 1 / (1 - p) so that E[y] = x, and eval needs
    # no change at all. Multiplying by the mask (not writing zeros in place) is what makes
    # backward zero the same entries: dy/dx = keep / (1 - p).
    scale = 1.0 / (1.0 - p)
    y = x.to(u.dtype) * keep * scale  # (...) float32 at least: one rounding, at the end
    return y.to(x.dtype)  # (...) x's dtype
