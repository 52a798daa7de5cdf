# expect: numerics, gradients
import torch


def ppo_loss(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    z = logp_new.float()
    ratio = torch.exp(z - logp_old.float())
    adv = advantages.float()
    surr1 = ratio * adv
    with torch.no_grad():  # "the clipped term is a constant": but inside the range it is
        surr2 = ratio.clamp(1 - clip_eps, 1 + clip_eps) * adv  # surr1, and min splits the tie
    keep = torch.ones_like(z) if mask is None else mask.float()
    loss = (-torch.min(surr1, surr2) * keep).sum() / keep.sum()
    frac = ((surr2 < surr1).float() * keep).sum() / keep.sum()
    return loss.to(logp_new.dtype), frac.to(logp_new.dtype)
