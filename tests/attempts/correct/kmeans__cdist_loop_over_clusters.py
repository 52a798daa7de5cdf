import torch


def kmeans(x, centroids, n_iters):
    xf = x.float()
    c = centroids.float()
    labels = None
    for _ in range(n_iters):
        labels = torch.cdist(xf, c).argmin(dim=1)
        new = []
        for k in range(c.shape[0]):
            pts = xf[labels == k]
            new.append(pts.mean(dim=0) if len(pts) > 0 else c[k])
        c = torch.stack(new)
    return c.to(x.dtype), labels
