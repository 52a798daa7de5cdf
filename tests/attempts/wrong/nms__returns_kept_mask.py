# expect: shape
import torch


def nms(boxes, scores, iou_threshold):
    # right decisions, wrong answer: a (N,) bool mask instead of the kept indices by score
    n = boxes.shape[0]
    b = boxes.float()
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.maximum(b[:, None, :2], b[None, :, :2])
    rb = torch.minimum(b[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=-1)
    iou = inter / (area[:, None] + area[None, :] - inter)
    kept = torch.zeros(n, dtype=torch.bool, device=boxes.device)
    for i in scores.argsort(descending=True, stable=True).tolist():
        if not (kept & (iou[i] > iou_threshold)).any():
            kept[i] = True
    return kept
