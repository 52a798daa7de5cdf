# expect: shape
import torch


def kmeans(x, centroids, n_iters):
    xf, c = x.float(), centroids.float()
    K = c.shape[0]
    ids = torch.arange(K, device=x.device)
    for _ in range(n_iters):
        labels = ((xf[:, None] - c[None]) ** 2).sum(-1).argmin(1)
        m = (labels[:, None] == ids).float()
        n = m.sum(0)
        c = torch.where(n[:, None] > 0, m.T @ xf / n.clamp(min=1)[:, None], c)
    return c, labels  # forgot .to(x.dtype)
