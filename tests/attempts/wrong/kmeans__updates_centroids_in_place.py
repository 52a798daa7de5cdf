# expect: numerics, rules
import torch


def kmeans(x, centroids, n_iters):
    c = centroids  # not a copy: the caller's centroids get overwritten
    for _ in range(n_iters):
        labels = torch.cdist(x.float(), c.float()).argmin(dim=1)
        for k in range(c.shape[0]):
            pts = x[labels == k]
            if len(pts) > 0:
                c[k] = pts.float().mean(dim=0).to(c.dtype)
    return c, labels
