import torch
import torch.nn.functional as F


def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
             ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    dtype = policy_chosen_logps.dtype
    pc, pr = policy_chosen_logps.float(), policy_rejected_logps.float()
    rc, rr = ref_chosen_logps.float(), ref_rejected_logps.float()  # not detached: constants
    logits = beta * ((pc - rc) - (pr - rr))
    # label smoothing = a soft target: the chosen answer wins with probability 1 - ls
    target = torch.full_like(logits, 1.0 - label_smoothing)
    loss = F.binary_cross_entropy_with_logits(logits, target)  # mean over pairs
    chosen_rewards = beta * (pc - rc).detach()
    rejected_rewards = beta * (pr - rr).detach()
    return loss.to(dtype), chosen_rewards.to(dtype), rejected_rewards.to(dtype)
