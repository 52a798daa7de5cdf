# expect: stability
import torch


def top_k_top_p(logits, temperature=1.0, top_k=0, top_p=1.0):
    z = logits.float() / temperature
    V = z.shape[-1]
    if 0 < top_k < V:
        z = z.masked_fill(z < z.topk(top_k, dim=-1).values[:, -1:], float("-inf"))
    if top_p < 1.0:
        e = z.exp()  # exp(500) is inf in float32: inf / inf = nan, and nan >= top_p is False
        probs, order = (e / e.sum(dim=-1, keepdim=True)).sort(dim=-1, descending=True)
        drop = probs.cumsum(dim=-1) - probs >= top_p
        z = z.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
    return z.to(logits.dtype)
