# expect: rules
import torch


def top_k_top_p(logits, temperature=1.0, top_k=0, top_p=1.0):
    # Like the old batch-of-1 gist: "logits[indices_to_remove] = filter_value" writes -inf
    # into the caller's logits. Every answer is right; the caller's tensor is ruined.
    V = logits.shape[-1]
    if 0 < top_k < V:
        kth = logits.topk(top_k, dim=-1).values[:, -1:]
        logits[logits < kth] = float("-inf")
    z = logits.float() / temperature
    if top_p < 1.0:
        probs, order = z.softmax(dim=-1).sort(dim=-1, descending=True)
        drop_sorted = probs.cumsum(dim=-1) - probs >= top_p
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        logits[drop] = float("-inf")
        z = logits.float() / temperature
    return z.to(logits.dtype)
