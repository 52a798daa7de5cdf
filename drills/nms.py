"""Non-maximum suppression (NMS) with IoU - write it by hand.

Contract
    nms(boxes, scores, iou_threshold) returns keep, the indices of the
    boxes that greedy NMS keeps, as torchvision.ops.nms does.

    boxes          (N, 4) floating boxes (x1, y1, x2, y2), x1 < x2 and
                   y1 < y2: float16, bfloat16, float32, float64
    scores         (N,) their scores, same dtype as boxes
    iou_threshold  a float in [0, 1]

    IoU(a, b) = inter / (area_a + area_b - inter), where inter is the
    area of the overlap; coordinates are continuous (no "+1 pixel":
    [0, 4] is 4 wide), so boxes that only touch at an edge or corner
    have IoU 0.

    Greedy: visit the boxes from the highest score down (equal scores:
    the lower index first). A box is suppressed when its IoU with a
    box KEPT before it is strictly greater than iou_threshold (IoU
    exactly at the threshold stays); otherwise it is kept. A suppressed
    box suppresses nothing.

    Returns keep (K,) int64 on boxes' device: the kept indices in the
    order they were kept (decreasing score, ties lower index first).
    N = 0 gives an empty int64 tensor. The inputs must not be
    modified. Areas of boxes a few hundred pixels wide overflow
    float16: compute in float32. The grader shows keep padded with -1
    to N entries, so a missing or extra box shows up by position.

Not allowed: torchvision (torchvision.ops.nms, batched_nms, box_iou)
and any other nms op. Everything in torch is allowed.

Grade it:  handwrite check nms
"""

import torch


def nms(boxes: torch.Tensor, scores: torch.Tensor,
        iou_threshold: float) -> torch.Tensor:
    raise NotImplementedError
