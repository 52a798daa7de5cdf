# expect: shape, numerics, masking
import torch


def top_k_top_p(logits, temperature=1.0, top_k=0, top_p=1.0):
    z = logits.float() / temperature
    V = z.shape[-1]
    if 0 < top_k < V:
        kth = z.topk(top_k).values.min()  # no dim: the lowest k-th value of the whole batch
        z = z.masked_fill(z < kth, float("-inf"))
    if top_p < 1.0:
        probs, order = z.softmax(dim=-1).sort(dim=-1, descending=True)
        drop = probs.cumsum(dim=-1) - probs >= top_p
        z = z.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
    return z.to(logits.dtype)
