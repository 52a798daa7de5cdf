import torch


def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
             ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    out_dtype = policy_chosen_logps.dtype
    pc, pr, rc, rr = (t.detach().double() if i >= 2 else t.double()
                      for i, t in enumerate((policy_chosen_logps, policy_rejected_logps,
                                             ref_chosen_logps, ref_rejected_logps)))
    chosen_rewards = beta * (pc - rc)
    rejected_rewards = beta * (pr - rr)
    margin = chosen_rewards - rejected_rewards  # beta * logits
    zero = torch.zeros_like(margin)
    # -log sigmoid(m) = log(1 + exp(-m)) = logaddexp(0, -m)
    losses = ((1 - label_smoothing) * torch.logaddexp(zero, -margin)
              + label_smoothing * torch.logaddexp(zero, margin))
    return (losses.mean().to(out_dtype), chosen_rewards.detach().to(out_dtype),
            rejected_rewards.detach().to(out_dtype))
