"""The non-maximum suppression drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T, tr
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.nms import nms

reference = nms  # the name a mistake uses to call the reference (see grader/selftest.py)

# In every drawn case each pair of boxes has an IoU at least this far from the threshold, so
# float16 or bfloat16 rounding, or another correct formula, never flips a decision. (The
# exact-threshold case is written by hand, with IoUs that every dtype computes exactly.)
MARGIN = 0.05
JITTER = 0.2  # how far a box's centre strays from its cluster's, in box sides


# --- how a case calls nms ---------------------------------------------------------------------

def padded_keep(nms, boxes, scores, iou_threshold):
    """Calls nms once and returns its keep padded with -1 to N entries (one slot per box), so
    that a keep with a box too many or too few is compared index by index, not only called the
    wrong shape. Runs in the sandbox, as source."""
    keep = nms(boxes, scores, iou_threshold)
    n = boxes.shape[0]
    if not isinstance(keep, torch.Tensor) or keep.dim() != 1:
        return (keep,)  # not a 1-D tensor: the grader says what it is instead
    if keep.shape[0] > n:
        raise ValueError(tr("keep has {k} indices for {n} boxes: a box can be kept only once",
                            "keep 里有 {k} 个下标，但只有 {n} 个框：每个框最多保留一次",
                            k=keep.shape[0], n=n))
    pad = keep.new_full((n - keep.shape[0],), -1)  # (N - K,) keep's own dtype and device
    return (torch.cat([keep, pad]),)  # (N,)


# --- inputs -----------------------------------------------------------------------------------

def _iou64(a, b):
    """IoU (N, M) in float64, for choosing inputs (the reference's formula)."""
    return _iou(a.double(), b.double())


def _iou(a, b):
    """IoU (N, M) of boxes a (N, 4) and b (M, 4), in their dtype."""
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    wh = (torch.minimum(a[:, None, 2:], b[None, :, 2:])
          - torch.maximum(a[:, None, :2], b[None, :, :2])).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (area_a[:, None] + area_b[None, :] - inter)


def _drawn(thr, clusters, spread, size, offset=0.0, noncontiguous=False):
    """N boxes around a few cluster centres (so many overlap), each side size * (0.6 .. 1.4),
    inside a square of side `spread` at `offset`. A box is redrawn (deterministically) while
    its IoU with an earlier box lies within MARGIN of thr. Scores are distinct in every dtype:
    a permutation of 1/(N+1) .. N/(N+1)."""
    def build(r, d):
        g = r.gen
        centres = torch.rand(clusters, 2, generator=g, dtype=torch.float64) * spread + offset
        boxes = torch.empty(0, 4, dtype=torch.float64)
        while boxes.shape[0] < d.N:
            for _ in range(500):
                c = centres[torch.randint(clusters, (1,), generator=g)][0]  # (2,)
                wh = size * (0.6 + 0.8 * torch.rand(2, generator=g, dtype=torch.float64))
                xy = c + JITTER * size * torch.randn(2, generator=g, dtype=torch.float64)
                box = torch.cat([xy - wh / 2, xy + wh / 2]).to(r.dtype).double()[None]  # (1, 4)
                iou = _iou64(box, boxes)  # (1, n)
                if bool(((iou - thr).abs() > MARGIN).all()):
                    break
            else:
                raise AssertionError("no box clear of the threshold")
            boxes = torch.cat([boxes, box])
        scores = (torch.randperm(d.N, generator=g) + 1).double() / (d.N + 1)  # (N,)
        boxes, scores = boxes.to(r.dtype), scores.to(r.dtype)
        assert len(set(scores.tolist())) == d.N  # no accidental tie
        if noncontiguous:
            boxes = boxes.t().contiguous().t()  # same values, column-major strides
        return Call((boxes, scores, thr))
    return build


def _given(boxes, scores, thr):
    """A hand-written case: boxes as rows of (x1, y1, x2, y2), their scores, the threshold."""
    def build(r, d):
        assert len(boxes) == d.N
        b = torch.tensor(boxes, dtype=torch.float64).reshape(-1, 4).to(r.dtype)
        return Call((b, torch.tensor(scores, dtype=torch.float64).to(r.dtype), thr))
    return build


# A suppresses B (IoU 0.54), B would suppress C (0.54), A and C barely overlap (0.25): B is
# gone, so C stays. The second chain is scored the other way round, the lowest index last.
CHAIN = _given([[0, 0, 10, 10], [3, 0, 13, 10], [6, 0, 16, 10],
                [6, 20, 16, 30], [3, 20, 13, 30], [0, 20, 10, 30],
                [40, 40, 45, 45]],
               [0.9, 0.8, 0.7, 0.3, 0.5, 0.6, 0.4], 0.5)
# Equal scores: 0 and 1 overlap (IoU 0.67) and tie, so 0 (the lower index) stays and 1 goes;
# 2, 3 and 5 tie at 0.7 (2 and 3 overlap: 0.82), 0 and 4 tie at 0.5.
TIES = _given([[0, 0, 10, 10], [2, 0, 12, 10], [30, 0, 40, 10],
               [31, 0, 41, 10], [60, 0, 70, 10], [90, 0, 95, 5],
               [0, 50, 4, 54], [1, 50, 5, 54]],
              [0.5, 0.5, 0.7, 0.7, 0.5, 0.7, 0.2, 0.2], 0.5)
# IoU exactly 0.5 three times (2 / 4, a nested 4 / 8, 6 / 12): not > 0.5, so all stay; the
# pair at 2.5 / 3.5 = 0.71 is suppressed. Every dtype computes these quotients exactly.
AT_THRESHOLD = _given([[0, 0, 3, 1], [1, 0, 4, 1], [10, 0, 14, 2],
                       [10, 0, 12, 2], [20, 0, 23, 1], [20.5, 0, 23.5, 1],
                       [30, 0, 34, 3], [32, 0, 36, 3], [50, 50, 51, 51]],
                      [0.9, 0.35, 0.3, 0.8, 0.6, 0.5, 0.45, 0.7, 0.1], 0.5)
# Threshold 0: any overlap at all suppresses. Boxes that share an edge or a corner overlap by
# 0 and all stay; so do 6 and 7, apart on both axes (two negative sides, unclamped, make a
# positive "overlap"); 8 truly overlaps 9 and goes.
TOUCHING = _given([[0, 0, 4, 4], [4, 0, 8, 4], [0, 4, 4, 8],
                   [4, 4, 8, 8], [8, 0, 12, 4], [20, 20, 22, 22],
                   [10, 10, 12, 12], [13, 13, 15, 15], [30, 0, 34, 4],
                   [33, 3, 37, 7]],
                  [0.5, 0.9, 0.4, 0.7, 0.8, 0.3, 0.65, 0.6, 0.1, 0.2], 0.0)
# A small box inside a large one has IoU = small area / large area: 25/100 stays (0.25 < 0.4),
# 64/100 goes; in the second group the mid-sized box scores highest and suppresses both the
# box inside it (36/64 = 0.56) and the one around it (64/100).
NESTED = _given([[0, 0, 10, 10], [2, 2, 7, 7], [1, 1, 9, 9],
                 [20, 0, 30, 10], [22, 2, 28, 8], [21, 1, 29, 9],
                 [40, 0, 50, 10], [44, 4, 46, 6]],
                [0.9, 0.5, 0.6, 0.1, 0.8, 0.95, 0.3, 0.7], 0.4)

CASES = (
    # First on purpose: the device check runs case 0 on the meta device, where nothing that
    # needs the scores' values can run; an empty input needs none, so keep's device is judged.
    Case(T("no boxes: N=0 gives an empty int64 keep on boxes' device",
           zh="没有框：N=0 时返回空的 int64 keep，且在 boxes 所在的设备上"),
         "shape", dict(N=0), _drawn(0.5, 1, 10.0, 4.0), drive=padded_keep),
    Case(T("clusters of boxes: N=13, threshold 0.5",
           zh="成簇的框：N=13，阈值 0.5"),
         "shape", dict(N=13), _drawn(0.5, 3, 30.0, 8.0), drive=padded_keep),
    Case(T("a single box: N=1", zh="只有一个框：N=1"),
         "shape", dict(N=1), _drawn(0.5, 1, 10.0, 4.0), drive=padded_keep),
    Case(T("non-contiguous boxes: N=11", zh="非连续（non-contiguous）的 boxes：N=11"),
         "shape", dict(N=11), _drawn(0.5, 2, 20.0, 8.0, noncontiguous=True), drive=padded_keep),
    Case(T("random clusters: threshold 0.5", zh="随机簇：阈值 0.5"),
         "numerics", dict(N=24), _drawn(0.5, 4, 40.0, 10.0), drive=padded_keep),
    Case(T("random clusters: threshold 0.3 suppresses more", zh="随机簇：阈值 0.3，抑制得更多"),
         "numerics", dict(N=19), _drawn(0.3, 3, 30.0, 10.0), drive=padded_keep),
    Case(T("random clusters: threshold 0.7 suppresses less", zh="随机簇：阈值 0.7，抑制得更少"),
         "numerics", dict(N=17), _drawn(0.7, 2, 15.0, 10.0), drive=padded_keep),
    Case(T("a chain: A suppresses B, so B cannot suppress C",
           zh="链式重叠：A 抑制了 B，所以 B 不能再抑制 C"),
         "numerics", dict(N=7), CHAIN, drive=padded_keep),
    Case(T("equal scores: the lower index comes first", zh="分数相同：下标小的排在前面"),
         "numerics", dict(N=8), TIES, drive=padded_keep),
    Case(T("IoU exactly at the threshold is not suppressed", zh="IoU 恰好等于阈值时不抑制"),
         "numerics", dict(N=9), AT_THRESHOLD, drive=padded_keep),
    Case(T("boxes touching at an edge overlap by 0: threshold 0",
           zh="只在边上相接的框重叠面积为 0：阈值 0"),
         "numerics", dict(N=10), TOUCHING, drive=padded_keep),
    Case(T("nested boxes: IoU is the small area over the large one",
           zh="嵌套的框：IoU 是小框面积除以大框面积"),
         "numerics", dict(N=8), NESTED, drive=padded_keep),
    Case(T("float64: threshold 0.5", zh="float64：阈值 0.5"),
         "numerics", dict(N=21), _drawn(0.5, 3, 30.0, 10.0), dtype=torch.float64,
         drive=padded_keep),
    Case(T("float16, boxes hundreds of pixels wide: areas overflow float16",
           zh="float16，框有几百像素宽：面积会让 float16 上溢"),
         "stability", dict(N=16), _drawn(0.5, 3, 600.0, 450.0), dtype=torch.float16,
         drive=padded_keep),
    Case(T("bfloat16: threshold 0.5", zh="bfloat16：阈值 0.5"),
         "stability", dict(N=14), _drawn(0.5, 3, 40.0, 12.0), dtype=torch.bfloat16,
         drive=padded_keep),
    Case(T("boxes far from the origin: coordinates near 5000",
           zh="框离原点很远：坐标在 5000 附近"),
         "stability", dict(N=15), _drawn(0.5, 3, 60.0, 20.0, offset=5000.0),
         # magnitude widens the tolerance only by 0.01 per unit of index here: keep stays exact
         magnitude=5e3, drive=padded_keep),
)


# --- known mistakes ---------------------------------------------------------------------------

# Helpers: the parts a mistake gets right (pasted into its attempt file with it, see
# grader/selftest.py).

def _greedy(boxes, scores, iou_threshold, iou):
    """The reference's loop: keep the best box left, drop the rest whose iou(b, i, rest) with
    it is above the threshold, repeat."""
    b = boxes.float()
    order = scores.argsort(descending=True, stable=True)
    keep = []
    while order.numel() > 0:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        order = rest[iou(b, i, rest) <= iou_threshold]
    return torch.stack(keep) if keep else torch.empty(0, dtype=torch.long, device=boxes.device)


def _overlap(b, i, rest):
    w = (torch.minimum(b[i, 2], b[rest, 2]) - torch.maximum(b[i, 0], b[rest, 0])).clamp(min=0)
    h = (torch.minimum(b[i, 3], b[rest, 3]) - torch.maximum(b[i, 1], b[rest, 1])).clamp(min=0)
    return w * h


def _area(b, idx):
    return (b[idx, 2] - b[idx, 0]) * (b[idx, 3] - b[idx, 1])


def union_double_counts_intersection(boxes, scores, iou_threshold):
    # the bug: the overlap is counted twice in the union
    return _greedy(boxes, scores, iou_threshold, lambda b, i, rest: (
        _overlap(b, i, rest) / (_area(b, i) + _area(b, rest))))


def divides_by_one_area(boxes, scores, iou_threshold):
    # the bug: over the other box's area, not the union
    return _greedy(boxes, scores, iou_threshold,
                   lambda b, i, rest: _overlap(b, i, rest) / _area(b, rest))


def suppresses_in_index_order(boxes, scores, iou_threshold):
    n = boxes.shape[0]
    # the bug: boxes visited by index (as if box 0 scored highest), so box 0 wins every overlap
    by_index = -torch.arange(n, dtype=torch.float64, device=boxes.device)
    kept = reference(boxes, by_index, iou_threshold)
    return kept[scores[kept].argsort(descending=True, stable=True)]  # by score, as asked


def sorted_ascending(boxes, scores, iou_threshold):
    # the bug: argsort without descending=True visits the lowest score first, so a weak box
    # suppresses the strong ones around it, and keep comes out lowest score first
    return reference(boxes, -scores, iou_threshold)


def keep_sorted_by_index(boxes, scores, iou_threshold):
    keep = reference(boxes, scores, iou_threshold)
    return keep.sort().values  # the bug: the right boxes, in index order instead of by score


def greater_or_equal_threshold(boxes, scores, iou_threshold):
    n = boxes.shape[0]
    order = scores.argsort(descending=True, stable=True)
    b = boxes.float()[order]
    iou = _iou(b, b)  # (n, n), best box first
    later = torch.ones(n, n, dtype=torch.bool, device=boxes.device).triu(1)
    would = (iou >= iou_threshold) & later  # the bug: >= suppresses IoU exactly at the threshold
    suppressed = torch.zeros(n, dtype=torch.bool, device=boxes.device)
    for i in range(n):
        suppressed = suppressed | (would[i] & ~suppressed[i])
    return order[~suppressed]


def suppressed_boxes_suppress(boxes, scores, iou_threshold):
    n = boxes.shape[0]
    order = scores.argsort(descending=True, stable=True)
    b = boxes.float()[order]
    iou = _iou(b, b)  # (n, n), best box first
    later = torch.ones(n, n, dtype=torch.bool, device=boxes.device).triu(1)
    # the bug: one vectorised step, a box goes if ANY higher-scored box overlaps it, even one
    # that was itself suppressed
    suppressed = ((iou > iou_threshold) & later).any(dim=0)
    return order[~suppressed]


DRILL = Drill(
    id="nms",
    title=T("Non-maximum suppression (NMS) with IoU", zh="非极大值抑制（NMS）与 IoU"),
    difficulty="medium",
    tags=("vision", "detection", "classic"),
    minutes=20,
    entry="nms",
    reference=nms,
    cases=CASES,
    forbidden=("nms",),  # torchvision.ops.nms / batched_nms run the op torch.ops.torchvision.nms
    aliases=("non-maximum-suppression", "non_max_suppression", "box-nms"),
    outputs=(T("keep (padded with -1 to N entries)", zh="keep（用 -1 补齐到 N 个）"),),
    differentiable=False,  # indices: nothing to differentiate
    hints=(
        T("Greedy: visit the boxes from the highest score down; keep a box unless a box you "
          "already KEPT overlaps it with IoU > iou_threshold.",
          zh="贪心：按分数从高到低遍历框；除非某个已经保留下来的框与它的 IoU > iou_threshold，"
             "否则就保留它。"),
        T("IoU: the overlap is a box from the larger top-left to the smaller bottom-right; "
          "clamp its width and height at 0; IoU = inter / (area_a + area_b - inter).",
          zh="IoU：重叠部分也是一个框，左上角取较大者、右下角取较小者；宽和高都要 clamp 到 "
             ">= 0；IoU = inter / (area_a + area_b - inter)。"),
        T("order = scores.argsort(descending=True, stable=True) puts ties lower index first. "
          "Compute the (N, N) IoU matrix of boxes[order] once, in float32 (float16 areas "
          "overflow).",
          zh="order = scores.argsort(descending=True, stable=True) 会让分数相同的框下标小的"
             "在前。对 boxes[order] 一次性算出 (N, N) 的 IoU 矩阵，用 float32（float16 的面积"
             "会上溢）。"),
        T("suppressed = zeros(N, bool, device=boxes.device); for i in range(N): if not "
          "suppressed[i], suppressed |= (iou[i] > thr) & (arange(N) > i). Return "
          "order[~suppressed]: int64, by score, and empty when N = 0.",
          zh="suppressed = zeros(N, bool, device=boxes.device)；for i in range(N)：若 "
             "suppressed[i] 为 False，则 suppressed |= (iou[i] > thr) & (arange(N) > i)。"
             "返回 order[~suppressed]：int64，按分数排序，N = 0 时为空。"),
    ),
    mistakes=(
        Mistake("union-double-counts-intersection",
                T("the union is area_a + area_b, which counts the overlap twice: subtract it, "
                  "union = area_a + area_b - inter",
                  zh="并集写成了 area_a + area_b，重叠部分被算了两次：要减掉它，"
                     "union = area_a + area_b - inter"),
                union_double_counts_intersection),
        Mistake("divides-by-one-area",
                T("the overlap is divided by one box's area, not by the union: IoU = inter / "
                  "(area_a + area_b - inter)",
                  zh="重叠面积除以的是其中一个框的面积，而不是并集：IoU = inter / "
                     "(area_a + area_b - inter)"),
                divides_by_one_area),
        Mistake("suppresses-in-index-order",
                T("boxes are visited in index order, so a lower-scored box can suppress a "
                  "higher one: visit them by score, scores.argsort(descending=True, "
                  "stable=True)",
                  zh="按下标顺序遍历框，低分框就可能抑制掉高分框：应按分数顺序遍历，"
                     "scores.argsort(descending=True, stable=True)"),
                suppresses_in_index_order),
        Mistake("sorted-ascending",
                T("argsort without descending=True visits the lowest score first, so weak boxes "
                  "suppress strong ones: scores.argsort(descending=True, stable=True)",
                  zh="argsort 没写 descending=True，从最低分开始遍历，弱框抑制了强框："
                     "scores.argsort(descending=True, stable=True)"),
                sorted_ascending),
        Mistake("keep-sorted-by-index",
                T("the right boxes, returned in index order: keep must be by decreasing score, "
                  "the order they were kept in (no keep.sort())",
                  zh="保留的框是对的，但按下标顺序返回：keep 必须按分数从高到低排列，即保留它们的"
                     "顺序（不要 keep.sort()）"),
                keep_sorted_by_index),
        Mistake("greater-or-equal-threshold",
                T("IoU >= iou_threshold suppresses a box exactly at the threshold: only "
                  "IoU > iou_threshold suppresses",
                  zh="IoU >= iou_threshold 会把恰好等于阈值的框也抑制掉：只有 "
                     "IoU > iou_threshold 才抑制"),
                greater_or_equal_threshold),
        Mistake("suppressed-boxes-suppress",
                T("a box that was itself suppressed still suppresses others: only kept boxes "
                  "count, so go down the ranking and skip the suppressed ones",
                  zh="已经被抑制的框仍在抑制别的框：只有保留下来的框才算数，所以要按排名往下走，"
                     "跳过被抑制的框"),
                suppressed_boxes_suppress),
    ),
)
