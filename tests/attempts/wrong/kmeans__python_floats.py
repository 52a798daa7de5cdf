# expect: gradients
import torch


def kmeans(x, centroids, n_iters):
    # means computed in Python lists: right numbers, but the graph to x is gone
    pts = x.double().tolist()
    c = centroids.double().tolist()
    labels = []
    for _ in range(n_iters):
        labels = [min(range(len(c)), key=lambda k: sum((a - b) ** 2 for a, b in zip(p, c[k])))
                  for p in pts]
        for k in range(len(c)):
            mine = [p for p, l in zip(pts, labels) if l == k]
            if mine:
                c[k] = [sum(col) / len(mine) for col in zip(*mine)]
    out = torch.tensor(c, dtype=x.dtype, device=x.device)
    return out, torch.tensor(labels, dtype=torch.long, device=x.device)
