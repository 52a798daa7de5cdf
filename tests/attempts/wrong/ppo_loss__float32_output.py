# expect: gradients, numerics, shape
import torch


def ppo_loss(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    ratio = torch.exp(logp_new.float() - logp_old.float())
    adv = advantages.float()
    surr1 = ratio * adv
    surr2 = ratio.clamp(1 - clip_eps, 1 + clip_eps) * adv
    keep = torch.ones_like(ratio) if mask is None else mask.float()
    loss = (-torch.minimum(surr1, surr2) * keep).sum() / keep.sum()
    frac = ((surr2 < surr1).float() * keep).sum() / keep.sum()
    return loss, frac  # float32 even for float16 / bfloat16 / float64 input
