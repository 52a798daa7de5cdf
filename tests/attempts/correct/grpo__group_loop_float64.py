import torch


def grpo_loss(logp, old_logp, ref_logp, rewards, mask, group_size, clip_eps=0.2, beta=0.04,
              eps=1e-4):
    G = group_size
    lp, old, ref = logp.double(), old_logp.double().detach(), ref_logp.double().detach()
    r = rewards.double().detach()

    # advantages, one group at a time, the unbiased variance written out
    advantages = []
    for start in range(0, r.shape[0], G):
        group = r[start:start + G]
        mean = group.sum() / G
        var = ((group - mean) ** 2).sum() / (G - 1)
        advantages.append((group - mean) / (var.sqrt() + eps))
    A = torch.cat(advantages)[:, None]  # (N, 1)

    # the clip by the advantage's sign: min(ratio, 1 + e) when A >= 0, max(ratio, 1 - e) else
    ratio = (lp - old).exp()
    surrogate = torch.where(A >= 0, ratio.clamp(max=1 + clip_eps) * A,
                            ratio.clamp(min=1 - clip_eps) * A)
    log_ratio = ref - lp
    kl = log_ratio.exp() - log_ratio - 1
    per_token = beta * kl - surrogate

    # each sequence over its own tokens, one row at a time
    rows = [per_token[i][mask[i]].mean() for i in range(per_token.shape[0])]
    loss = torch.stack(rows).mean()
    return loss.to(logp.dtype), A.flatten().to(logp.dtype)
