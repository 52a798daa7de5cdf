"""Top-k / top-p (nucleus) filtering of logits - write it by hand.

Contract
    top_k_top_p(logits, temperature=1.0, top_k=0, top_p=1.0) returns the
    logits a sampler draws the next token from: logits / temperature,
    with every token the filters remove set to float('-inf'). Shape
    (B, V), the logits' dtype. Each row is filtered on its own.

    logits       (B, V) floating: float16, bfloat16, float32 or float64
    temperature  a float > 0. Applied first: both filters see
                 z = logits / temperature, and top-p measures softmax(z).
    top_k        an int >= 0; 0 disables top-k. Keeps every token whose
                 z is >= the k-th largest z of its row, so a token tied
                 with the k-th value is kept too (as Hugging Face's
                 `z < kth` does): more than k tokens may stay. top_k >= V
                 keeps every token.
    top_p        a float in (0, 1]; 1.0 disables top-p. Runs after top-k,
                 on softmax(z) over the tokens top-k kept (renormalised:
                 the removed ones have probability 0). Sort them most
                 likely first and keep the shortest prefix whose
                 probabilities add up to >= top_p: the token whose
                 cumulative probability first reaches or crosses top_p
                 is kept, every token after it is removed. A token stays
                 exactly when the mass of the tokens ahead of it is
                 < top_p, so the most likely token always stays.

    Kept entries are logits / temperature; removed entries are -inf
    (not a large negative number). Gradients flow back to logits
    through the kept entries. The inputs must not be modified. It
    must work in float16 and bfloat16, for logits near 500 (exp of them
    overflows), and on any device. Never tested: a tie between equal
    probabilities at the top-p cut, or a cumulative sum exactly equal
    to top_p (both hang on float rounding).

Allowed: torch.topk, sort, cumsum, softmax, scatter, gather.

Grade it:  handwrite check top_k_top_p
"""

import torch


def top_k_top_p(logits: torch.Tensor, temperature: float = 1.0,
                top_k: int = 0, top_p: float = 1.0) -> torch.Tensor:
    raise NotImplementedError
