# expect: gradients, masking, numerics, shape, stability
import torch


def ppo_loss(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    z = logp_new.float()
    ratio = torch.exp(z - logp_old.float())
    adv = advantages.float()
    surr1 = ratio * adv
    surr2 = ratio.clamp(1 - clip_eps, 1 + clip_eps) * adv
    per = -torch.minimum(surr1, surr2)
    clipped = (surr2 < surr1).float()
    if mask is None:
        return per.mean().to(logp_new.dtype), clipped.mean().to(logp_new.dtype)
    # a mean per sequence, then over the sequences: a short response weighs as much as a
    # long one (the contract asks for one mean over all counted tokens)
    keep = mask.float()
    lengths = keep.sum(-1).clamp(min=1)
    loss = ((per * keep).sum(-1) / lengths).mean()
    frac = ((clipped * keep).sum(-1) / lengths).mean()
    return loss.to(logp_new.dtype), frac.to(logp_new.dtype)
