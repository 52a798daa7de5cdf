"""PPO's clipped surrogate objective, written by hand: the reference that
`handwrite check ppo_loss` grades against."""

import torch


def ppo_loss(logp_new: torch.Tensor, logp_old: torch.Tensor, advantages: torch.Tensor,
             clip_eps: float = 0.2, mask: torch.Tensor | None = None
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """(loss, clip_fraction): the masked mean of -min(r * A, clip(r, 1 - eps, 1 + eps) * A)
    with r = exp(logp_new - logp_old), and the share of counted elements where the clipped
    term is the smaller one, both in logp_new's dtype. Only logp_new gets a gradient."""
    # float16/bfloat16 round every exp and add: do the arithmetic in float32 at least.
    ct = torch.promote_types(logp_new.dtype, torch.float32)
    new = logp_new.to(ct)  # (...) the policy being trained: the one input with a gradient
    # The data were collected by the old policy, and advantages came from a critic: both are
    # numbers about the past, not functions of the weights we are updating.
    old = logp_old.detach().to(ct)  # (...)
    adv = advantages.detach().to(ct)  # (...)
    # The importance ratio pi_new / pi_old, taken as the exp of a log difference: exp(logp)
    # underflows to 0 for a long sequence's log-prob (-200), and 0 / 0 is nan.
    ratio = torch.exp(new - old)  # (...)
    unclipped = ratio * adv  # (...) the plain importance-weighted policy gradient objective
    # Clip the RATIO, not the advantage: outside [1 - eps, 1 + eps] the clipped term no longer
    # depends on the new policy, so it gives no incentive to move further from the old one.
    clipped = ratio.clamp(1.0 - clip_eps, 1.0 + clip_eps) * adv  # (...)
    # The min makes the objective a pessimistic bound: with A > 0 the gain stops at 1 + eps,
    # with A < 0 at 1 - eps, but a move that made things WORSE (r > 1 + eps with A < 0) keeps
    # its full, unclipped penalty. Minimise the negative to maximise the objective.
    per_element = -torch.minimum(unclipped, clipped)  # (...)
    # The clip is active where the min picks the clipped term strictly: exactly the elements
    # whose gradient it cuts to zero (A > 0 above 1 + eps, A < 0 below 1 - eps).
    was_clipped = (clipped < unclipped).to(ct)  # (...) 1.0 where clipped
    if mask is None:
        keep = torch.ones_like(ratio)  # (...) every element counts; on the input's device
    else:
        keep = mask.to(ct)  # (...) 1.0 where the element (token) counts
    # One mean over every counted element (token-level), not a mean per row first: a long
    # response then weighs more than a short one, as each of its tokens is an action.
    # where, not multiply: a masked element must contribute exactly 0, whatever its values.
    count = keep.sum()  # ()
    loss = torch.where(keep > 0, per_element, 0.0).sum() / count  # ()
    clip_fraction = (was_clipped * keep).sum() / count  # ()
    return loss.to(logp_new.dtype), clip_fraction.to(logp_new.dtype)  # (), ()
