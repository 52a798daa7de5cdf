"""Greedy non-maximum suppression, written by hand: the reference that `handwrite check nms`
grades against (torchvision.ops.nms semantics, with a stated tie-break)."""

import torch


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a (N, 4), b (M, 4) as (x1, y1, x2, y2) -> IoU (N, M): inter / (area_a + area_b - inter).

    Continuous coordinates: a box [0, 4] is 4 wide (no "+1 pixel"), and two boxes that only
    touch at an edge overlap by 0.
    """
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])  # (N,)
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # (M,)
    # The overlap of two boxes is itself a box: the largest top-left, the smallest bottom-right.
    top_left = torch.maximum(a[:, None, :2], b[None, :, :2])  # (N, M, 2)
    bottom_right = torch.minimum(a[:, None, 2:], b[None, :, 2:])  # (N, M, 2)
    # Boxes apart on an axis give a negative side there; clamping it to 0 matters when they
    # are apart on both axes, where two negative sides would multiply to a positive area.
    wh = (bottom_right - top_left).clamp(min=0)  # (N, M, 2)
    inter = wh[..., 0] * wh[..., 1]  # (N, M)
    # The union counts the overlap once: both areas contain it.
    union = area_a[:, None] + area_b[None, :] - inter  # (N, M) > 0, since every box has area
    return inter / union  # (N, M)


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """boxes (N, 4), scores (N,) -> keep (K,) int64: the kept indices, highest score first.

    Boxes are visited from the highest score down (equal scores: the lower index first); a
    box is kept unless its IoU with a box kept before it is > iou_threshold (strictly).
    """
    n = boxes.shape[0]
    # Areas of boxes a few hundred pixels wide pass float16's 65504: compute in float32 at
    # least. Only the decisions come out, so nothing goes back to the input dtype.
    work = torch.promote_types(boxes.dtype, torch.float32)
    # stable=True: among equal scores the lower index comes first, so the result is defined.
    order = torch.argsort(scores, descending=True, stable=True)  # (N,) rank -> box index
    ranked = boxes.to(work)[order]  # (N, 4) highest score first; a new tensor, boxes untouched
    iou = box_iou(ranked, ranked)  # (N, N) in rank order
    # Only a higher-ranked box can suppress a lower-ranked one: the strict upper triangle.
    # Made on boxes' device: a mask built on the CPU cannot meet a GPU tensor.
    later = torch.ones(n, n, dtype=torch.bool, device=boxes.device).triu(diagonal=1)  # (N, N)
    would_suppress = (iou > iou_threshold) & later  # (N, N) IoU exactly at the threshold stays
    suppressed = torch.zeros(n, dtype=torch.bool, device=boxes.device)  # (N,)
    for i in range(n):  # by rank: whether i is kept is settled once every box above it has run
        # A suppressed box is gone: it suppresses nothing, even what it overlaps heavily.
        suppressed = suppressed | (would_suppress[i] & ~suppressed[i])  # (N,)
    # Kept ranks, still in rank order, mapped back to box indices; int64 on boxes' device,
    # and with N = 0 an empty (0,) tensor, no special case needed.
    return order[~suppressed]  # (K,)
