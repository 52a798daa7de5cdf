# expect: shape
import torch


def grpo_loss(logp, old_logp, ref_logp, rewards, mask, group_size, clip_eps=0.2, beta=0.04,
              eps=1e-4):
    f = torch.promote_types(logp.dtype, torch.float32)
    r = rewards.to(f).view(-1, group_size)
    advantages = ((r - r.mean(1, keepdim=True)) / (r.std(1, keepdim=True) + eps)).view(-1)
    lp, a, m = logp.to(f), advantages[:, None], mask.to(f)
    ratio = torch.exp(lp - old_logp.to(f))
    surrogate = torch.min(ratio * a, torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * a)
    x = ref_logp.to(f) - lp
    kl = torch.exp(x) - x - 1
    loss = (((beta * kl - surrogate) * m).sum(1) / m.sum(1)).mean()
    return loss, advantages  # float32 for float16 inputs
