import torch


def masked_mean(values, mask, dim):
    values = torch.where(mask, values, torch.zeros_like(values))
    return values.sum(dim) / mask.sum(dim)


def grpo_loss(logp, old_logp, ref_logp, rewards, mask, group_size, clip_eps=0.2, beta=0.04,
              eps=1e-4):
    f = torch.float32 if logp.dtype in (torch.float16, torch.bfloat16) else logp.dtype
    with torch.no_grad():
        grouped = rewards.to(f).unflatten(0, (-1, group_size))
        std, mean = torch.std_mean(grouped, dim=1, correction=1, keepdim=True)
        advantages = ((grouped - mean) / (std + eps)).flatten()
    lp = logp.to(f)
    ratio = torch.exp(lp - old_logp.to(f))
    adv = advantages.unsqueeze(-1).expand_as(ratio)
    unclipped = ratio * adv
    clipped = torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * adv
    d = ref_logp.to(f) - lp
    kl = torch.expm1(d) - d
    objective = torch.minimum(unclipped, clipped) - beta * kl
    loss = -masked_mean(objective, mask, dim=-1).mean()
    return loss.to(logp.dtype), advantages.to(logp.dtype)
