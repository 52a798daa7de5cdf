import torch


def top_k_top_p(logits, temperature=1.0, top_k=0, top_p=1.0):
    # Builds one additive mask (0 = keep, -inf = remove) and adds it once at the end.
    z = logits.to(torch.float32 if logits.dtype != torch.float64 else torch.float64)
    z = z / temperature
    B, V = z.shape
    remove = torch.zeros(B, V, dtype=torch.bool, device=z.device)
    if top_k and top_k < V:
        kth = z.topk(top_k, dim=-1).values.min(dim=-1, keepdim=True).values
        remove |= z < kth
    if top_p < 1.0:
        e = (z - z.amax(dim=-1, keepdim=True)).exp().masked_fill(remove, 0.0)
        probs = e / e.sum(dim=-1, keepdim=True)
        sorted_p, idx = probs.sort(dim=-1, descending=True)
        ahead = torch.cat([torch.zeros(B, 1, device=z.device, dtype=z.dtype),
                           sorted_p.cumsum(dim=-1)[:, :-1]], dim=-1)
        remove |= (ahead >= top_p).gather(-1, idx.argsort(dim=-1))
    mask = torch.zeros_like(z).masked_fill(remove, float("-inf"))
    return (z + mask).to(logits.dtype)
