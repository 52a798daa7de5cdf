"""GRPO loss (group-relative advantages, KL k3) - write it by hand.

Contract
    grpo_loss(logp, old_logp, ref_logp, rewards, mask, group_size,
              clip_eps=0.2, beta=0.04, eps=1e-4) -> (loss, advantages)
    The GRPO objective of DeepSeekMath, as TRL's GRPOTrainer computes
    it (loss_type="grpo"). B prompts, G = group_size completions each,
    N = B * G rows; rows g*G .. g*G + G - 1 answer prompt g (groups are
    consecutive rows).

    logp      (N, T) per-token log-probs of the policy being trained
    old_logp  (N, T) the same under the policy that sampled them
    ref_logp  (N, T) the same under the frozen reference model
    rewards   (N,)   one scalar reward per completion
              all four: float16, bfloat16, float32 or float64, one dtype
    mask      (N, T) bool, True on completion tokens, False on padding;
              every row has at least one True. Padding may hold any
              finite value and must not change the result.
    group_size  G >= 2, an int

    1. Advantages, per group of G:  A = (r - mean) / (std + eps), the
       group's own mean and UNBIASED std (torch.std's default, divide
       by G - 1). A group whose rewards are all equal gets A = 0.
       Each completion's A applies to every one of its tokens.
    2. Per token:  ratio = exp(logp - old_logp)
         surrogate = min(ratio * A,
                         clamp(ratio, 1 - clip_eps, 1 + clip_eps) * A)
         kl = exp(ref_logp - logp) - (ref_logp - logp) - 1  (k3, >= 0)
         loss_t = -(surrogate - beta * kl)
    3. loss = mean over the N sequences of (sum of loss_t over the
       row's mask / number of True in the row): a sequence-level mean,
       as DeepSeekMath (not TRL's token-level "bnpo"/"dapo" variants).

    Returns (loss, advantages): loss a scalar (shape ()), advantages
    (N,), both in logp's dtype. The inputs must not be modified. The
    gradient flows to logp; old_logp, ref_logp and rewards are
    constants (their gradient is not graded: detach them or not).
    It must stay finite and accurate in float16 and bfloat16, for
    log-probs as low as -150 and rewards around 1000.

Grade it:  handwrite check grpo
"""

import torch


def grpo_loss(logp: torch.Tensor, old_logp: torch.Tensor, ref_logp: torch.Tensor,
              rewards: torch.Tensor, mask: torch.Tensor, group_size: int,
              clip_eps: float = 0.2, beta: float = 0.04,
              eps: float = 1e-4) -> tuple[torch.Tensor, torch.Tensor]:
    raise NotImplementedError
