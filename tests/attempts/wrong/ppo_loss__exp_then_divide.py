# expect: stability
import torch


def ppo_loss(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    z = logp_new.float()
    # the ratio as a quotient of probabilities: exp(-200) is 0 in float32, and 0 / 0 is nan
    ratio = z.exp() / logp_old.float().exp()
    adv = advantages.float()
    surr1 = ratio * adv
    surr2 = ratio.clamp(1 - clip_eps, 1 + clip_eps) * adv
    per = -torch.minimum(surr1, surr2)
    keep = torch.ones_like(z) if mask is None else mask.float()
    loss = (per * keep).sum() / keep.sum()
    frac = ((surr2 < surr1).float() * keep).sum() / keep.sum()
    return loss.to(logp_new.dtype), frac.to(logp_new.dtype)
