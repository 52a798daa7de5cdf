"""The GRPO loss (group-relative advantages, clipped surrogate, k3 KL penalty), written by
hand: the reference that `handwrite check grpo` grades against."""

import torch


def grpo_loss(logp: torch.Tensor, old_logp: torch.Tensor, ref_logp: torch.Tensor,
              rewards: torch.Tensor, mask: torch.Tensor, group_size: int,
              clip_eps: float = 0.2, beta: float = 0.04,
              eps: float = 1e-4) -> tuple[torch.Tensor, torch.Tensor]:
    """The GRPO objective of DeepSeekMath, as TRL's GRPOTrainer (loss_type="grpo") computes it:
    advantages normalised within each group of ``group_size`` consecutive completions, a
    PPO-style clipped surrogate per token, a k3 KL penalty to the reference model, averaged
    over each sequence's completion tokens and then over the sequences.
    Returns (loss, advantages), both in logp's dtype."""
    # float16/bfloat16 would round every exp, difference and sum below: float32 at least.
    work = torch.promote_types(logp.dtype, torch.float32)
    G = group_size
    lp = logp.to(work)  # (N, T) N = B * G completions; the only input with a gradient
    # old_logp (the policy that sampled), ref_logp (the frozen reference model) and the rewards
    # are constants of this step: they come from no_grad passes. detach() states it; the
    # gradient of the loss must reach logp and nothing else.
    old = old_logp.detach().to(work)  # (N, T)
    ref = ref_logp.detach().to(work)  # (N, T)
    r = rewards.detach().to(work)  # (N,)
    keep = mask.to(work)  # (N, T) 1.0 on completion tokens, 0.0 on padding

    # --- group-relative advantages -------------------------------------------------------
    # Rows g*G .. g*G + G - 1 answer the same prompt: a completion is only better or worse
    # than its siblings, so each group is centred and scaled by its OWN statistics (a batch
    # mean would let an easy prompt's rewards swamp a hard one's).
    grouped = r.reshape(-1, G)  # (B, G)
    mean = grouped.mean(dim=1, keepdim=True)  # (B, 1)
    # Unbiased std (divides by G - 1), torch.std's default and TRL's. eps keeps a group whose
    # rewards are all equal (std 0: nothing to learn from it) at advantage 0 instead of 0/0.
    std = grouped.std(dim=1, keepdim=True)  # (B, 1)
    advantages = ((grouped - mean) / (std + eps)).reshape(-1)  # (N,)
    A = advantages[:, None]  # (N, 1) one advantage for every token of its completion

    # --- clipped surrogate (PPO) -----------------------------------------------------------
    # The ratio pi/pi_old from log-probs: exp of a difference, never exp(logp) / exp(old),
    # which underflows to 0/0 for a token of log-prob -150.
    ratio = torch.exp(lp - old)  # (N, T)
    clipped = ratio.clamp(1.0 - clip_eps, 1.0 + clip_eps)  # (N, T)
    # The pessimistic (smaller) of the two: no gain from pushing the ratio past the clip range
    # in the direction the advantage rewards.
    surrogate = torch.minimum(ratio * A, clipped * A)  # (N, T)

    # --- k3 estimator of KL(pi || pi_ref) ----------------------------------------------------
    # With x = log(pi_ref / pi) on tokens sampled from pi: exp(x) - x - 1 is unbiased for the
    # KL and >= 0 term by term (e^x >= 1 + x). The log-ratio is reference MINUS policy.
    x = ref - lp  # (N, T)
    kl = torch.exp(x) - x - 1.0  # (N, T)

    # Maximise surrogate - beta * KL, so the loss is its negative: the KL is a penalty.
    per_token = -(surrogate - beta * kl)  # (N, T)

    # --- sequence-level mean (DeepSeekMath) --------------------------------------------------
    # Each completion is averaged over its own tokens (padding weighted 0, whatever values
    # sit there), then the completions are averaged: every sequence weighs the same.
    per_seq = (per_token * keep).sum(dim=1) / keep.sum(dim=1)  # (N,)
    loss = per_seq.mean()  # ()
    return loss.to(logp.dtype), advantages.to(logp.dtype)
