"""Lloyd's k-means from given initial centroids, written by hand: the reference that
`handwrite check kmeans` grades against."""

import torch


def kmeans(x: torch.Tensor, centroids: torch.Tensor,
           n_iters: int) -> tuple[torch.Tensor, torch.Tensor]:
    """x (N, D), centroids (K, D) -> (centroids (K, D) in x's dtype, labels (N,) int64).

    n_iters rounds of: assign every point to its nearest centroid (squared Euclidean
    distance, a tie goes to the lowest index), then move every centroid to the mean of its
    points. A centroid that got no points keeps where it was. labels are the assignment of
    the last round, the one the returned centroids are the means of.
    """
    # Squared distances of values near 200 are near 4e4, and float16 tops out at 65504: work
    # in float32 at least, and go back to the input dtype only at the end.
    work = torch.promote_types(x.dtype, torch.float32)
    xf = x.to(work)  # (N, D)
    c = centroids.to(work)  # (K, D) a new tensor: the caller's centroids are never written
    K = c.shape[0]
    # Made on x's device: an index built on the CPU cannot be compared with labels on a GPU.
    ids = torch.arange(K, device=x.device)  # (K,)
    labels = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)  # (N,)
    for _ in range(n_iters):
        # Every point against every centroid by broadcasting; the sum runs over the feature
        # axis D (the last one), leaving one distance per (point, centroid) pair. Taking the
        # difference first (not |x|^2 - 2 x.c + |c|^2) keeps points far from the origin exact.
        d2 = ((xf[:, None, :] - c[None, :, :]) ** 2).sum(dim=-1)  # (N, K)
        labels = d2.argmin(dim=1)  # (N,) nearest centroid; argmin breaks ties to the lowest
        # One-hot membership turns "mean of my points" into one matmul: no Python loop over
        # clusters and no data-dependent indexing.
        member = (labels[:, None] == ids[None, :]).to(work)  # (N, K)
        counts = member.sum(dim=0)  # (K,) points per cluster
        sums = member.T @ xf  # (K, D)
        # An empty cluster would divide 0 by 0 (nan); it keeps its previous centroid instead.
        # clamp keeps the division finite, so no nan reaches the gradient through where().
        means = sums / counts.clamp(min=1)[:, None]  # (K, D)
        c = torch.where(counts[:, None] > 0, means, c)  # (K, D)
    return c.to(x.dtype), labels  # (K, D), (N,)
