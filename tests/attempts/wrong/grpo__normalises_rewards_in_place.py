# expect: numerics, rules
import torch


def grpo_loss(logp, old_logp, ref_logp, rewards, mask, group_size, clip_eps=0.2, beta=0.04,
              eps=1e-4):
    r = rewards.view(-1, group_size)
    r -= r.mean(dim=1, keepdim=True)  # edits the caller's rewards
    r /= r.std(dim=1, keepdim=True) + eps
    advantages = rewards
    lp, a, m = logp.float(), advantages.float()[:, None], mask.float()
    ratio = torch.exp(lp - old_logp.float())
    surrogate = torch.min(ratio * a, torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * a)
    x = ref_logp.float() - lp
    kl = torch.exp(x) - x - 1
    loss = (((beta * kl - surrogate) * m).sum(1) / m.sum(1)).mean()
    return loss.to(logp.dtype), advantages
