"""Inverted dropout - write it by hand.

Contract
    dropout(x, p=0.5, training=True, generator=None) returns what
    F.dropout(x, p, training) returns, with the mask drawn from
    `generator`:
      training  each entry of x is zeroed independently with
                probability p (p is the DROP probability), and the
                entries kept are scaled by 1 / (1 - p), so E[y] = x
      eval      (training=False) y equals x: no mask, no scaling

    x          a floating tensor of any shape: float16, bfloat16,
               float32 or float64
    p          a float, 0 <= p < 1 (p = 0 keeps every entry)
    generator  a torch.Generator on x's device, or None (the global
               RNG): draw every random number from it, e.g.
               torch.rand(x.shape, generator=generator,
               device=x.device). The same seed must give the same y.

    Returns a tensor with x's shape and dtype; x must not be modified.
    The gradient must flow through the same mask: dy/dx is 1 / (1 - p)
    where an entry was kept and 0 where it was dropped.

How it is graded: your mask is random, so y is not compared entry by
entry. The grader checks that every nonzero entry of y equals
x / (1 - p), that the share of entries kept is 1 - p within a
binomial bound (5 standard deviations), that the mean is preserved,
the gradient, and that the same seed gives the same y.

Not allowed: dropout in any form (torch.*, F.*, nn modules,
alpha/feature dropout). torch.rand, torch.bernoulli are allowed.

Grade it:  handwrite check dropout
"""

import torch


def dropout(x: torch.Tensor, p: float = 0.5, training: bool = True,
            generator: torch.Generator | None = None) -> torch.Tensor:
    raise NotImplementedError
