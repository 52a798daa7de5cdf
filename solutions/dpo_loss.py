"""The DPO loss (Direct Preference Optimization, sigmoid form), by hand: the reference that
`handwrite check dpo_loss` grades against."""

import torch
import torch.nn.functional as F


def dpo_loss(policy_chosen_logps: torch.Tensor, policy_rejected_logps: torch.Tensor,
             ref_chosen_logps: torch.Tensor, ref_rejected_logps: torch.Tensor,
             beta: float = 0.1, label_smoothing: float = 0.0):
    """The DPO loss of a batch of preference pairs, as TRL's DPOTrainer ("sigmoid" loss), from
    the summed log-probs of each chosen and rejected answer under the policy and the frozen
    reference model. Returns (loss, chosen_rewards, rejected_rewards): the mean loss, and the
    implicit rewards beta * (policy - reference) log-prob of each answer, detached."""
    # float16/bfloat16 log-probs of long answers are in the hundreds, where a half ulp is
    # already ~0.1: float32 at least inside, one rounding at the end.
    work = torch.promote_types(policy_chosen_logps.dtype, torch.float32)
    pc, pr = policy_chosen_logps.to(work), policy_rejected_logps.to(work)  # (B,), (B,)
    # The reference model is frozen: its log-probs are constants (TRL computes them under
    # no_grad). Detaching here says so; no gradient is expected on them either way.
    rc, rr = ref_chosen_logps.detach().to(work), ref_rejected_logps.detach().to(work)  # (B,)

    # log [pi(y_w) / pi_ref(y_w)] - log [pi(y_l) / pi_ref(y_l)]: how much more the policy
    # prefers the chosen answer than the reference did. Subtracting the reference is what
    # keeps the policy anchored: without it the loss just pushes log-probs apart.
    logits = (pc - pr) - (rc - rr)  # (B,)

    # -log sigmoid(beta * logits): the Bradley-Terry likelihood that the chosen answer wins,
    # with beta * log-ratio as the implicit reward. beta scales the logits INSIDE the sigmoid
    # (it is the KL strength), not the loss. F.logsigmoid is stable for any size:
    # log(sigmoid(z)) underflows to log(0) = -inf once z < -100 or so in float32.
    # Label smoothing (conservative DPO): the preference label is wrong with probability ls,
    # so the loss is the cross-entropy against the soft target 1 - ls.
    z = beta * logits  # (B,)
    losses = (-F.logsigmoid(z) * (1 - label_smoothing)
              - F.logsigmoid(-z) * label_smoothing)  # (B,)

    # The implicit rewards, for logging (reward margins, accuracies): detached, so that using
    # them in a metric or another loss never sends gradient back into the policy by accident.
    chosen_rewards = (beta * (pc - rc)).detach()  # (B,)
    rejected_rewards = (beta * (pr - rr)).detach()  # (B,)

    dtype = policy_chosen_logps.dtype
    return (losses.mean().to(dtype),  # () the mean over pairs, as TRL
            chosen_rewards.to(dtype), rejected_rewards.to(dtype))
