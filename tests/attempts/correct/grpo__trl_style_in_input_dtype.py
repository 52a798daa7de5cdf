import torch


def grpo_loss(logp, old_logp, ref_logp, rewards, mask, group_size, clip_eps=0.2, beta=0.04,
              eps=1e-4):
    # As TRL's GRPOTrainer writes it: in the inputs' own dtype, nothing detached (the
    # constants come from no_grad passes anyway), group stats repeated back to one per row.
    mean_grouped_rewards = rewards.view(-1, group_size).mean(dim=1)
    std_grouped_rewards = rewards.view(-1, group_size).std(dim=1)
    mean_grouped_rewards = mean_grouped_rewards.repeat_interleave(group_size, dim=0)
    std_grouped_rewards = std_grouped_rewards.repeat_interleave(group_size, dim=0)
    advantages = (rewards - mean_grouped_rewards) / (std_grouped_rewards + eps)

    per_token_kl = torch.exp(ref_logp - logp) - (ref_logp - logp) - 1
    coef_1 = torch.exp(logp - old_logp)
    coef_2 = torch.clamp(coef_1, 1 - clip_eps, 1 + clip_eps)
    per_token_loss1 = coef_1 * advantages.unsqueeze(1)
    per_token_loss2 = coef_2 * advantages.unsqueeze(1)
    per_token_loss = -torch.min(per_token_loss1, per_token_loss2)
    if beta != 0.0:
        per_token_loss = per_token_loss + beta * per_token_kl
    completion_mask = mask.to(logp.dtype)
    loss = ((per_token_loss * completion_mask).sum(dim=1) / completion_mask.sum(dim=1)).mean()
    return loss, advantages
