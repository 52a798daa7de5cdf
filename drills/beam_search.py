"""Beam search - write it by hand.

Contract
    beam_search(step, prompt, eos, beam_size, max_len, alpha=0.0)
    returns (tokens, scores): the beam_size best finished hypotheses.

    step      the model: step(prefixes) takes prefixes (n, t) int64, any
              n >= 1 rows, each the prompt then the tokens generated so
              far, and returns (n, V) log-probs of the next token: finite,
              float16, bfloat16, float32 or float64, and maybe a
              non-contiguous view (as a model's logits[:, -1] is). Make
              prefixes on prompt's device.
    prompt    (P,) int64: every hypothesis starts with it; never scored.
              It may contain eos (GPT-2 starts with its end token).
    eos       the end-of-sequence token id.

    The search: one beam to start, the prompt, at score 0. Each step,
    every alive beam is extended by every token, an extension scoring
    the beam's score + the token's log-prob. Extensions by eos are
    finished: set aside, never extended. Of the other extensions, the
    beam_size best (all beams' together) are the new alive beams. After
    max_len steps the alive beams are finished too. Always run the
    max_len steps: no early stopping.

    Length: a finished hypothesis that generated n tokens (its eos
    included, the prompt not) with summed log-prob s scores
    s / n ** alpha: alpha=0 is the plain sum, alpha=1 the mean.

    Returns
        tokens  (beam_size, P + max_len) int64, best first: the prompt,
                the generated tokens, then eos up to the full length
        scores  (beam_size,) their scores, in the log-probs' dtype; sum
                in float32 at least (bfloat16 keeps only 3 digits)

    With beam_size >= (V - 1) ** (max_len - 1) nothing is ever pruned,
    and the answer is exactly an exhaustive search's; a narrower beam
    may miss the best sequence: that is beam search, and it is what is
    asked. The tests have no ties, and always at least beam_size
    finished hypotheses. Inputs are not modified. Any device.

Allowed: anything in torch (topk, sort, cat, indexing), Python lists.

Grade it:  handwrite check beam_search
"""

import torch


def beam_search(step, prompt: torch.Tensor, eos: int, beam_size: int, max_len: int,
                alpha: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    raise NotImplementedError
