import torch


def kmeans(x, centroids, n_iters):
    # float64 throughout; |x|^2 - 2 x.c + |c|^2 for the distances, index_add for the sums
    xd = x.double()
    c = centroids.double()
    K = c.shape[0]
    labels = None
    for _ in range(n_iters):
        d2 = (xd * xd).sum(-1, keepdim=True) - 2 * xd @ c.T + (c * c).sum(-1)[None, :]
        labels = d2.argmin(dim=1)
        sums = torch.zeros_like(c).index_add(0, labels, xd)
        counts = torch.zeros(K, dtype=xd.dtype, device=x.device).index_add(
            0, labels, torch.ones_like(xd[:, 0]))
        c = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)[:, None], c)
    return c.to(x.dtype), labels
