# expect: rules
import torch


def nms(boxes, scores, iou_threshold):
    if boxes.shape[0] == 0:
        return torch.empty(0, dtype=torch.long, device=boxes.device)
    b = boxes.float()
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    alive = torch.ones(len(scores), dtype=torch.bool, device=boxes.device)
    keep = []
    while alive.any():
        i = int(torch.where(alive, scores.float(), float("-inf")).argmax())
        keep.append(i)
        w = (torch.minimum(b[i, 2], b[:, 2]) - torch.maximum(b[i, 0], b[:, 0])).clamp(min=0)
        h = (torch.minimum(b[i, 3], b[:, 3]) - torch.maximum(b[i, 1], b[:, 1])).clamp(min=0)
        inter = w * h
        iou = inter / (area[i] + area - inter)
        gone = iou > iou_threshold
        gone[i] = True
        alive &= ~gone
        scores[gone] = scores.min() - 1  # marks the caller's scores as used
    return torch.tensor(keep, dtype=torch.long, device=boxes.device)
