"""Gradient clipping by global norm, in place - write it by hand.

Contract
    clip_grad_norm_(grads, max_norm, eps=1e-6) scales the tensors of
    `grads` IN PLACE, as torch.nn.utils.clip_grad_norm_ does with
    norm_type=2, and returns the total norm before clipping.

    grads     a non-empty list of tensors of any shapes (0-d included),
              one dtype and device: float16, bfloat16, float32 or
              float64; contiguous or not
    max_norm  float > 0
    eps       float >= 0, added to the norm before dividing

    total_norm = the L2 norm of all the grads together, as one vector:
                 sqrt(sum over every tensor of (g ** 2).sum())
    clip_coef  = min(1, max_norm / (total_norm + eps))
    every g   *= clip_coef, in place (the caller's tensors change)

    So nothing changes when total_norm <= max_norm - eps, and every
    tensor is scaled by the same coefficient.

    Returns total_norm (before clipping): a 0-d tensor, the grads'
    dtype and device. For float16/bfloat16, sum the squares in float32
    (a float16 square overflows past 256), as torch does inside.

Not allowed: torch.nn.utils.clip_grad_norm_, get_total_norm,
clip_grads_with_norm_, torch._foreach_norm and torch._foreach_mul_.

Grade it:  handwrite check grad_clip
"""

import torch


def clip_grad_norm_(grads: list[torch.Tensor], max_norm: float,
                    eps: float = 1e-6) -> torch.Tensor:
    raise NotImplementedError
