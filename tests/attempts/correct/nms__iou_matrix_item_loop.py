import torch


def box_iou(a, b):
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.max(a[:, None, :2], b[:, :2])
    rb = torch.min(a[:, None, 2:], b[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=2)
    return inter / (area_a[:, None] + area_b - inter)


def nms(boxes, scores, iou_threshold):
    # whole IoU matrix in float64, then one pass over the boxes by score
    n = boxes.shape[0]
    _, order = torch.sort(scores, descending=True, stable=True)
    iou = box_iou(boxes.double(), boxes.double())
    removed = torch.zeros(n, dtype=torch.bool, device=boxes.device)
    keep = []
    for i in order.tolist():
        if removed[i]:
            continue
        keep.append(i)
        removed |= iou[i] > iou_threshold
    return torch.as_tensor(keep, dtype=torch.long, device=boxes.device)
