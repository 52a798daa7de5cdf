import torch


def masked_mean(values, mask):
    return (values * mask).sum() / mask.sum()


def ppo_loss(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    # As TRL / verl write it: losses, not objectives, so the min becomes a max.
    dtype = logp_new.dtype
    logp_new = logp_new.float()
    logp_old = logp_old.detach().float()
    advantages = advantages.detach().float()
    if mask is None:
        mask = torch.ones_like(logp_new)
    mask = mask.float()
    log_ratio = logp_new - logp_old
    ratio = torch.exp(log_ratio)
    pg_losses = -advantages * ratio
    pg_losses2 = -advantages * torch.clamp(ratio, 1.0 - clip_eps, 1.0 + clip_eps)
    pg_loss = masked_mean(torch.max(pg_losses, pg_losses2), mask)
    pg_clipfrac = masked_mean(torch.gt(pg_losses2, pg_losses).float(), mask)
    return pg_loss.to(dtype), pg_clipfrac.to(dtype)
