# expect: device
import torch


def ppo_loss(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    if mask is None:
        mask = torch.ones(logp_new.shape)  # on the CPU, whatever logp_new is on
    z = logp_new.float()
    ratio = torch.exp(z - logp_old.float())
    adv = advantages.float()
    surr1 = ratio * adv
    surr2 = ratio.clamp(1 - clip_eps, 1 + clip_eps) * adv
    keep = mask.float()
    loss = (-torch.minimum(surr1, surr2) * keep).sum() / keep.sum()
    frac = ((surr2 < surr1).float() * keep).sum() / keep.sum()
    return loss.to(logp_new.dtype), frac.to(logp_new.dtype)
