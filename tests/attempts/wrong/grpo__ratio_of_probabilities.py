# expect: stability
import torch


def grpo_loss(logp, old_logp, ref_logp, rewards, mask, group_size, clip_eps=0.2, beta=0.04,
              eps=1e-4):
    r = rewards.float().view(-1, group_size)
    advantages = ((r - r.mean(1, keepdim=True)) / (r.std(1, keepdim=True) + eps)).view(-1)
    p, p_old, p_ref = logp.float().exp(), old_logp.float().exp(), ref_logp.float().exp()
    ratio = p / p_old  # 0 / 0 once the log-probs are far below 0
    a, m = advantages[:, None], mask.float()
    surrogate = torch.min(ratio * a, torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * a)
    kl = p_ref / p - torch.log(p_ref / p) - 1
    loss = (((beta * kl - surrogate) * m).sum(1) / m.sum(1)).mean()
    return loss.to(logp.dtype), advantages.to(logp.dtype)
