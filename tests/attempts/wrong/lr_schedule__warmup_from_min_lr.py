# expect: shape, numerics
import math


def lr_at(step, base_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:  # warms up from the floor, not from 0
        return min_lr + (base_lr - min_lr) * step / warmup_steps
    if step >= total_steps:
        return min_lr
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * progress))
