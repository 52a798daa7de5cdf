import torch


def top_k_top_p(logits, temperature=1.0, top_k=0, top_p=1.0):
    # One row at a time, counting how many sorted tokens top-p keeps.
    z = logits.float() / temperature
    out = torch.full_like(z, float("-inf"))
    for b in range(z.shape[0]):
        row = z[b]
        keep = torch.ones_like(row, dtype=torch.bool)
        if 0 < top_k < row.numel():
            keep = row >= row.topk(top_k).values[-1]
        if top_p < 1.0:
            probs = torch.where(keep, row, float("-inf")).softmax(dim=0)
            p_sorted, idx = probs.sort(descending=True)
            n = int((p_sorted.cumsum(dim=0) - p_sorted < top_p).sum())
            keep = torch.zeros_like(keep)
            keep[idx[:n]] = True
        out[b] = torch.where(keep, row, float("-inf"))
    return out.to(logits.dtype)
