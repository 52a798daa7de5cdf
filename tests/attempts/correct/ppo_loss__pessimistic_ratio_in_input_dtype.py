import torch


def ppo_loss(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    # All in logp_new's own dtype. min(r * A, clip(r) * A) is A times the pessimistic
    # ratio: capped at 1 + eps when A > 0, floored at 1 - eps when A < 0.
    ratio = (logp_new - logp_old).exp()
    positive = advantages > 0
    capped = torch.where(positive, ratio.clamp(max=1 + clip_eps),
                         ratio.clamp(min=1 - clip_eps))
    per_token = -capped * advantages
    clipped = torch.where(positive, ratio > 1 + clip_eps,
                          (advantages < 0) & (ratio < 1 - clip_eps))
    if mask is None:
        return per_token.mean(), clipped.to(logp_new.dtype).mean()
    m = mask.to(logp_new.dtype)
    n = m.sum()
    return (per_token * m).sum() / n, (clipped.to(m.dtype) * m).sum() / n
