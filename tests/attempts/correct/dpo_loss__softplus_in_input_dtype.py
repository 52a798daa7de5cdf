import torch
import torch.nn.functional as F


def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
             ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    # everything in the input dtype; -logsigmoid(z) = softplus(-z)
    pi_logratios = policy_chosen_logps - policy_rejected_logps
    ref_logratios = ref_chosen_logps - ref_rejected_logps
    z = beta * (pi_logratios - ref_logratios)
    losses = (1 - label_smoothing) * F.softplus(-z) + label_smoothing * F.softplus(z)
    with torch.no_grad():
        chosen_rewards = beta * (policy_chosen_logps - ref_chosen_logps)
        rejected_rewards = beta * (policy_rejected_logps - ref_rejected_logps)
    return losses.mean(), chosen_rewards, rejected_rewards
