"""DPO loss (Direct Preference Optimization) - write it by hand.

Contract
    dpo_loss(policy_chosen_logps, policy_rejected_logps,
             ref_chosen_logps, ref_rejected_logps,
             beta=0.1, label_smoothing=0.0)
    returns the tuple (loss, chosen_rewards, rejected_rewards), as
    TRL's DPOTrainer with loss_type="sigmoid":

        logits  = (pc - pr) - (rc - rr)
        losses  = -logsigmoid(beta * logits) * (1 - ls)
                  - logsigmoid(-beta * logits) * ls
        loss    = losses.mean()
        chosen_rewards   = beta * (pc - rc), detached
        rejected_rewards = beta * (pr - rr), detached

    pc, pr  policy_chosen_logps, policy_rejected_logps: (B,), the
            summed log-prob of each chosen / rejected answer under
            the policy being trained
    rc, rr  ref_chosen_logps, ref_rejected_logps: (B,), the same
            under the frozen reference model
    beta    a float > 0, the strength of the KL anchor
    ls      label_smoothing, a float in [0, 0.5): the chance that a
            preference label is wrong (conservative DPO); 0 is plain
            DPO

    Returns loss () and the rewards (B,), all in the inputs' dtype
    (float16, bfloat16, float32 or float64; the four share it).
    The gradient of loss flows to pc and pr. rc, rr are constants:
    whether you .detach() them is not checked. The rewards are
    metrics: return them detached (no graph). Numerically stable
    for any gap: |beta * logits| may be in the thousands. The
    inputs must not be modified.

How it is graded: the three outputs are compared with the reference,
and dpo_loss is called once more on inputs that require grad: the
scorecard's 4th output, rewards_detached, says whether the rewards
came back without a graph.

Grade it:  handwrite check dpo_loss
"""

import torch


def dpo_loss(policy_chosen_logps: torch.Tensor,
             policy_rejected_logps: torch.Tensor,
             ref_chosen_logps: torch.Tensor,
             ref_rejected_logps: torch.Tensor,
             beta: float = 0.1, label_smoothing: float = 0.0):
    raise NotImplementedError
