import math

import torch


def lr_at(step, base_lr, warmup_steps, total_steps, min_lr):
    # Tensor arithmetic in float32, returned as a 0-d tensor.
    s = torch.tensor(float(step))
    if step < warmup_steps:
        return base_lr * s / warmup_steps
    progress = ((s - warmup_steps) / (total_steps - warmup_steps)).clamp(max=1.0)
    return min_lr + (base_lr - min_lr) * 0.5 * (1 + torch.cos(math.pi * progress))
