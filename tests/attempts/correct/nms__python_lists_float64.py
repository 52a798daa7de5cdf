import torch


def iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    return inter / (area_a + area_b - inter)


def nms(boxes, scores, iou_threshold):
    # plain Python floats (float64): sorted() is stable, so ties keep the lower index first
    bs = boxes.double().tolist()
    ss = scores.double().tolist()
    order = sorted(range(len(bs)), key=lambda i: -ss[i])
    keep = []
    for i in order:
        if all(iou(bs[i], bs[k]) <= iou_threshold for k in keep):
            keep.append(i)
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)
