"""The k-means drill: cases, a property, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.kmeans import kmeans

reference = kmeans  # the name a mistake uses to call the reference (see grader/selftest.py)

# Every round of every case keeps each point's nearest centroid ahead of the runner-up by this
# share of the squared distance, so float16 arithmetic, |x|^2 - 2 x.c + |c|^2 or cdist all
# assign the same points: no case hangs on a near tie.
MARGIN = 0.05


def _margins_hold(x: torch.Tensor, c: torch.Tensor, n_iters: int) -> bool:
    """True when every round of float64 Lloyd's decides every point with MARGIN to spare."""
    x, c = x.double(), c.double()  # (N, D), (K, D)
    K = c.shape[0]
    for _ in range(n_iters):
        d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(dim=-1)  # (N, K)
        if K > 1:
            two = d2.topk(2, dim=1, largest=False).values  # (N, 2)
            if bool((two[:, 1] - two[:, 0] <= MARGIN * two[:, 1]).any()):
                return False
        labels = d2.argmin(dim=1)  # (N,)
        member = (labels[:, None] == torch.arange(K)[None, :]).double()  # (N, K)
        counts = member.sum(dim=0)  # (K,)
        means = member.T @ x / counts.clamp(min=1)[:, None]  # (K, D)
        c = torch.where(counts[:, None] > 0, means, c)  # (K, D)
    return True


def _blobs(n_iters, scale=1.0, offset=0.0, far=False, noncontiguous=False):
    """K well-separated blobs of N points; the initial centroids are K of the points, so the
    centroids travel for a few rounds before they settle. far: the last initial centroid sits
    far from every point, so its cluster is empty in every round."""
    def build(r, d):
        for _ in range(200):  # redraw (deterministically) until no round has a near tie
            centers = torch.randn(d.K, d.D, generator=r.gen, dtype=torch.float64) * 6  # (K, D)
            which = torch.randint(d.K, (d.N,), generator=r.gen)  # (N,)
            x = centers[which] + torch.randn(d.N, d.D, generator=r.gen, dtype=torch.float64)
            pick = torch.randperm(d.N, generator=r.gen)[:d.K]  # (K,)
            c = x[pick].clone()  # (K, D)
            if far:
                c[-1] = x.amax(dim=0) + 40  # (D,) beyond every point on every axis
            x, c = (x * scale + offset).to(r.dtype), (c * scale + offset).to(r.dtype)
            if _margins_hold(x, c, n_iters):
                break
        else:
            raise AssertionError("no unambiguous draw")
        if noncontiguous:
            x = x.t().contiguous().t()  # same values, column-major strides
        return Call((x, c, n_iters))
    return build


def _empty_cluster_kept(call, out, seen):
    """The far-away initial centroid gets no points in any round: it must come back as it
    went in (not nan, not the origin)."""
    start = call.args[1][-1]  # (D,)
    got = out[0][-1]  # (D,)
    if torch.equal(got.to(start.dtype), start):
        return None
    what = "nan" if bool(got.isnan().any()) else f"{[round(v, 3) for v in got.tolist()]}"
    return both("centroid {k} starts far from every point, so its cluster is empty in every "
                "round, yet it came back as {what}: an empty cluster keeps its previous "
                "centroid, torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)[:, "
                "None], c)",
                "第 {k} 个质心初始位置离所有点都很远，每一轮它的簇都是空的，但返回的却是 "
                "{what}：空簇应保留上一轮的质心，torch.where(counts[:, None] > 0, sums / "
                "counts.clamp(min=1)[:, None], c)", k=call.args[1].shape[0] - 1, what=what)


EMPTY_KEPT = Property(T("an empty cluster keeps its previous centroid",
                        zh="空簇保留上一轮的质心"), "numerics", _empty_cluster_kept)

CASES = (
    Case(T("every dim a distinct size: 4 rounds", zh="每个维度大小都不同：4 轮"),
         "shape", dict(N=23, K=5, D=3), _blobs(4)),
    Case(T("a single cluster: K=1", zh="只有一个簇：K=1"),
         "shape", dict(N=9, K=1, D=4), _blobs(2)),
    Case(T("non-contiguous x", zh="非连续（non-contiguous）的 x"),
         "shape", dict(N=17, K=6, D=2), _blobs(3, noncontiguous=True)),
    Case(T("random blobs: 3 rounds", zh="随机簇：3 轮"),
         "numerics", dict(N=30, K=4, D=2), _blobs(3)),
    Case(T("n_iters=1: exactly one assign-then-update round",
           zh="n_iters=1：恰好一轮先分配再更新"),
         "numerics", dict(N=19, K=5, D=3), _blobs(1)),
    # The one gradient case has an empty cluster: when every cluster has points, the returned
    # centroids do not depend on the initial ones at all (argmin has no gradient), and a
    # correct loop that never touches them again gives no gradient where the reference's is 0.
    Case(T("an empty cluster keeps its centroid; gradients to x and the centroids",
           zh="空簇保留原来的质心；对 x 和质心的梯度"),
         "numerics", dict(N=21, K=4, D=3), _blobs(3, far=True), grad=True,
         properties=(EMPTY_KEPT,)),
    Case(T("converged: 12 rounds change nothing more", zh="已收敛：12 轮后不再变化"),
         "numerics", dict(N=26, K=3, D=2), _blobs(12)),
    Case(T("float64: 5 rounds", zh="float64：5 轮"),
         "numerics", dict(N=27, K=6, D=4), _blobs(5), dtype=torch.float64),
    Case(T("float16, values near 200: squared distances overflow float16",
           zh="float16，数值在 200 附近：距离平方会让 float16 上溢"),
         "stability", dict(N=22, K=5, D=3), _blobs(3, scale=20.0, offset=200.0),
         dtype=torch.float16, magnitude=2e2),
    Case(T("bfloat16: 3 rounds", zh="bfloat16：3 轮"),
         "stability", dict(N=25, K=4, D=3), _blobs(3), dtype=torch.bfloat16),
    Case(T("points far from the origin: near 1000", zh="点离原点很远：在 1000 附近"),
         "stability", dict(N=24, K=5, D=2), _blobs(3, scale=10.0, offset=1000.0),
         magnitude=1e3),
)


# Each mistake is the reference's loop with one step swapped. The helpers are the parts it gets
# right (pasted into its attempt file with it, see grader/selftest.py).

def _squared_distances(xf, c):
    return ((xf[:, None, :] - c[None, :, :]) ** 2).sum(dim=-1)  # (N, K)


def _means_keeping_empty(xf, member, c):
    counts = member.sum(dim=0)  # (K,)
    means = (member.T @ xf) / counts.clamp(min=1)[:, None]
    return torch.where(counts[:, None] > 0, means, c)


def _lloyd(x, centroids, n_iters, distances=None, update=None):
    work = torch.promote_types(x.dtype, torch.float32)
    xf, c = x.to(work), centroids.to(work)
    ids = torch.arange(c.shape[0], device=x.device)
    labels = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
    for _ in range(n_iters):
        labels = (distances or _squared_distances)(xf, c).argmin(dim=1)
        member = (labels[:, None] == ids[None, :]).to(work)  # (N, K)
        c = (update or _means_keeping_empty)(xf, member, c)
    return c.to(x.dtype), labels


def distances_on_wrong_axis(x, centroids, n_iters):
    # the bug: sums over the centroid axis, not the features, then argmins over features
    return _lloyd(x, centroids, n_iters,
                  distances=lambda xf, c: ((xf[:, None, :] - c[None, :, :]) ** 2).sum(dim=1))


def empty_cluster_nan(x, centroids, n_iters):
    # the bug: 0 / 0 for an empty cluster
    return _lloyd(x, centroids, n_iters,
                  update=lambda xf, member, c: (member.T @ xf) / member.sum(dim=0)[:, None])


def empty_cluster_to_origin(x, centroids, n_iters):
    # the bug: the clamp avoids nan, but an empty cluster's centroid becomes 0 / 1 = 0
    return _lloyd(x, centroids, n_iters, update=lambda xf, member, c: (
        (member.T @ xf) / member.sum(dim=0).clamp(min=1)[:, None]))


def drops_centroid_norm(x, centroids, n_iters):
    # the bug: |x|^2 - 2 x.c without + |c|^2, which differs from centroid to centroid
    return _lloyd(x, centroids, n_iters, distances=lambda xf, c: (
        (xf ** 2).sum(dim=-1, keepdim=True) - 2 * xf @ c.T))


def labels_after_update(x, centroids, n_iters):
    c, _ = reference(x, centroids, n_iters)
    # the bug: labels of one more assignment, against the new centroids, not the last round's
    d2 = ((x.double()[:, None, :] - c.double()[None, :, :]) ** 2).sum(dim=-1)
    return c, d2.argmin(dim=1)


DRILL = Drill(
    id="kmeans",
    title=T("K-means (Lloyd's algorithm)", zh="K-means（Lloyd 算法）"),
    difficulty="medium",
    tags=("classic", "clustering"),
    minutes=15,
    entry="kmeans",
    reference=kmeans,
    cases=CASES,
    forbidden=(),  # torch has no k-means: cdist, argmin and scatter_add are the tools, all allowed
    aliases=("k-means", "lloyd"),
    outputs=("centroids", "labels"),
    hints=(
        T("Each round has two steps: assign every point to its nearest centroid, then move each "
          "centroid to the mean of its points. Decide first what an empty cluster does.",
          zh="每一轮两步：先把每个点分给最近的质心，再把每个质心移到分给它的点的均值。先想好"
             "空簇怎么处理。"),
        T("Distances: d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(dim=-1) is (N, K), the "
          "sum over the features D; labels = d2.argmin(dim=1).",
          zh="距离：d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(dim=-1)，形状 (N, K)，"
             "对特征维 D 求和；labels = d2.argmin(dim=1)。"),
        T("Means without a loop: member = (labels[:, None] == torch.arange(K, "
          "device=x.device)).float() is (N, K); counts = member.sum(0), sums = member.T @ x.",
          zh="不用循环求均值：member = (labels[:, None] == torch.arange(K, "
             "device=x.device)).float()，形状 (N, K)；counts = member.sum(0)，"
             "sums = member.T @ x。"),
        T("Empty clusters: c = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)"
          "[:, None], c). Work in float32 (x.float()) and return c.to(x.dtype), labels.",
          zh="空簇：c = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)"
             "[:, None], c)。在 float32 中计算（x.float()），返回 c.to(x.dtype), labels。"),
    ),
    mistakes=(
        Mistake("distances-on-wrong-axis",
                T("the squared differences are summed over the centroid axis (dim=1) instead "
                  "of the features: sum(dim=-1) gives (N, K), then argmin(dim=1)",
                  zh="差的平方在质心那一维（dim=1）上求和，而不是在特征维上：用 sum(dim=-1) "
                     "得到 (N, K)，再 argmin(dim=1)"),
                distances_on_wrong_axis),
        Mistake("empty-cluster-nan",
                T("an empty cluster divides 0 by 0 and its centroid becomes nan: keep its "
                  "previous centroid, torch.where(counts[:, None] > 0, means, c)",
                  zh="空簇算出 0 / 0，质心变成 nan：保留上一轮的质心，torch.where(counts[:, "
                     "None] > 0, means, c)"),
                empty_cluster_nan),
        Mistake("empty-cluster-to-origin",
                T("counts.clamp(min=1) avoids nan but sends an empty cluster's centroid to 0: "
                  "keep its previous centroid with torch.where(counts[:, None] > 0, means, c)",
                  zh="counts.clamp(min=1) 避免了 nan，却把空簇的质心变成了 0：用 "
                     "torch.where(counts[:, None] > 0, means, c) 保留上一轮的质心"),
                empty_cluster_to_origin),
        Mistake("drops-centroid-norm",
                T("|x|^2 - 2 x.c without + |c|^2 is not the squared distance (|c|^2 differs "
                  "between centroids): add (c ** 2).sum(-1), or take (x - c) ** 2 directly",
                  zh="|x|^2 - 2 x.c 少了 + |c|^2，不是距离的平方（各个质心的 |c|^2 不同）："
                     "加上 (c ** 2).sum(-1)，或直接算 (x - c) ** 2"),
                drops_centroid_norm),
        Mistake("labels-after-update",
                T("labels come from one more assignment against the new centroids: return "
                  "the last round's labels, the ones the returned centroids are the means of",
                  zh="labels 是用更新后的质心又分配了一次得到的：应返回最后一轮的 labels，也就"
                     "是返回的质心所对应的那次分配"),
                labels_after_update),
    ),
)
