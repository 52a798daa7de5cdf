"""PPO clipped surrogate loss - write it by hand.

Contract
    ppo_loss(logp_new, logp_old, advantages, clip_eps=0.2, mask=None)
    returns (loss, clip_fraction), the policy loss of PPO:
        ratio = exp(logp_new - logp_old)
        loss  = mean of -min(ratio * A,
                             clamp(ratio, 1 - eps, 1 + eps) * A)
    with A = advantages and eps = clip_eps. Minimising it maximises
    the clipped objective. clip_fraction is the share of counted
    elements where the clipped term is strictly the smaller one (the
    clip is active: ratio > 1 + eps with A > 0, or ratio < 1 - eps
    with A < 0), i.e. where the gradient is cut to zero.

    logp_new    log-probs of the actions taken, under the policy being
                trained: a floating tensor of any shape, (B,) or
                (B, T); float16, bfloat16, float32 or float64
    logp_old    the same, under the policy that collected the data:
                same shape and dtype
    advantages  same shape and dtype, used as given (no normalising)
    clip_eps    a float in (0, 1)
    mask        None (every element counts) or a bool tensor of the
                same shape, True where an element (token) counts; at
                least one is True. The mean is ONE mean over all the
                counted elements: sum(loss * mask) / sum(mask), not a
                mean per row first.

    Returns two scalars (shape ()) in logp_new's dtype. The inputs
    must not be modified. Gradients flow to logp_new only: logp_old
    and advantages are constants (detaching them is allowed, not
    required; their gradients are not graded). Where the clip is
    active the gradient wrt logp_new must be 0; on the other counted
    elements (with A != 0) it must not be.
    It must stay accurate for sequence log-probs as low as -200.

    The value (critic) loss and the entropy bonus are NOT part of this
    drill: they are separate terms, added with their own weights.

Grade it:  handwrite check ppo_loss
"""

import torch


def ppo_loss(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    raise NotImplementedError
