# expect: gradients
import torch.nn.functional as F


def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
             ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    dtype = policy_chosen_logps.dtype
    chosen_rewards = (beta * (policy_chosen_logps.float() - ref_chosen_logps.float())).detach()
    rejected_rewards = (beta * (policy_rejected_logps.float()
                                - ref_rejected_logps.float())).detach()
    # reuses the logged (detached) rewards for the loss: no gradient reaches the policy
    z = chosen_rewards - rejected_rewards
    losses = -F.logsigmoid(z) * (1 - label_smoothing) - F.logsigmoid(-z) * label_smoothing
    return losses.mean().to(dtype), chosen_rewards.to(dtype), rejected_rewards.to(dtype)
