import math

import torch


def ppo_loss(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    # float64 throughout; the clip done on the log-ratio; boolean indexing for the mask.
    log_ratio = logp_new.double() - logp_old.double()
    adv = advantages.double()
    surr1 = log_ratio.exp() * adv
    lo, hi = math.log(1 - clip_eps), math.log(1 + clip_eps)
    surr2 = log_ratio.clamp(lo, hi).exp() * adv
    per = -torch.stack([surr1, surr2]).amin(dim=0)
    clipped = (surr2 < surr1).double()
    if mask is not None:
        per, clipped = per[mask], clipped[mask]
    return per.mean().to(logp_new.dtype), clipped.mean().to(logp_new.dtype)
