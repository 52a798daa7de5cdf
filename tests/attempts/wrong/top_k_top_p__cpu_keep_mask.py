# expect: device
import torch


def top_k_top_p(logits, temperature=1.0, top_k=0, top_p=1.0):
    z = logits.float() / temperature
    B, V = z.shape
    keep = torch.ones(B, V, dtype=torch.bool)  # made on the CPU, whatever device logits is on
    if 0 < top_k < V:
        keep = keep & (z >= z.topk(top_k, dim=-1).values[:, -1:])
    if top_p < 1.0:
        probs = z.masked_fill(~keep, float("-inf")).softmax(dim=-1)
        sorted_p, order = probs.sort(dim=-1, descending=True)
        keep_sorted = sorted_p.cumsum(dim=-1) - sorted_p < top_p
        keep = keep & keep_sorted.scatter(-1, order, keep_sorted)
    return z.masked_fill(~keep, float("-inf")).to(logits.dtype)
