"""Temperature, top-k and top-p (nucleus) filtering of next-token logits, written by hand: the
reference that `handwrite check top_k_top_p` grades against."""

import torch


def top_k_top_p(logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0,
                top_p: float = 1.0) -> torch.Tensor:
    """logits (B, V) -> (B, V): logits / temperature, with every token that top-k or top-p
    removes set to -inf, in the logits' dtype. Sampling from softmax of the result samples
    from the filtered distribution. Each row is filtered on its own.

    top_k=0 disables top-k, top_p=1.0 disables top-p. Top-k keeps every token >= the k-th
    largest value (ties included); top-p then keeps, of what top-k left, the most likely
    tokens up to and including the one whose cumulative probability reaches top_p.
    """
    # Temperature first: it reshapes the distribution that top-p measures. (Top-k only looks at
    # the order of the logits, which a positive temperature keeps.) float16/bfloat16 round the
    # probabilities coarsely and a cumulative sum adds the errors up: decide in float32 at least.
    z = logits.to(torch.promote_types(logits.dtype, torch.float32)) / temperature  # (B, V)
    V = z.shape[-1]
    remove = torch.zeros_like(z, dtype=torch.bool)  # (B, V) True = filtered out
    if 0 < top_k < V:  # 0 disables top-k; k >= V would keep every token anyway
        kth = z.topk(top_k, dim=-1).values[:, -1:]  # (B, 1) each row's k-th largest value
        # Compare with the value, not the rank: every token tied with the k-th stays, so the
        # answer never hangs on how topk happens to break a tie.
        remove = z < kth  # (B, V)
    if top_p < 1.0:  # 1.0 disables top-p
        # What top-k removed gets probability exactly 0 (exp(-inf)), so top-p measures the
        # distribution renormalised over the survivors, the one that is sampled from.
        probs = z.masked_fill(remove, float("-inf")).softmax(dim=-1)  # (B, V)
        sorted_probs, order = probs.sort(dim=-1, descending=True)  # (B, V) most likely first
        # The mass strictly ahead of each token. The token that crosses top_p still has less
        # than top_p ahead of it, so it stays; the most likely token has 0 ahead of it, so at
        # least one token always stays.
        ahead = sorted_probs.cumsum(dim=-1) - sorted_probs  # (B, V)
        drop_sorted = ahead >= top_p  # (B, V) decisions in sorted order
        # Back to vocabulary order: decision i belongs to token order[b, i], not to token i.
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)  # (B, V)
        remove = remove | drop  # (B, V)
    # -inf, not a large negative number: softmax gives a removed token exactly 0, in any dtype.
    # masked_fill makes a new tensor, so the caller's logits are left as they were.
    return z.masked_fill(remove, float("-inf")).to(logits.dtype)  # (B, V)
