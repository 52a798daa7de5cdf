import torch


def top_k_top_p(logits, temperature=1.0, top_k=0, top_p=1.0):
    # Everything in the input's dtype, on the sorted logits: filter them in sorted order, then
    # scatter the filtered values back to their tokens.
    z = logits / temperature
    sorted_z, order = z.sort(dim=-1, descending=True)
    V = z.shape[-1]
    if 0 < top_k < V:
        sorted_z = sorted_z.masked_fill(sorted_z < sorted_z[:, top_k - 1:top_k], float("-inf"))
    if top_p < 1.0:
        p = sorted_z.softmax(dim=-1)
        zero = torch.zeros_like(p[:, :1])
        ahead = torch.cat([zero, p.cumsum(dim=-1)[:, :-1]], dim=-1)
        sorted_z = sorted_z.masked_fill(ahead >= top_p, float("-inf"))
    return torch.empty_like(z).scatter(-1, order, sorted_z)
