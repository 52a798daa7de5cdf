# expect: shape, numerics
import math


def lr_at(step, base_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    elif step <= total_steps:
        progress = (step - warmup_steps) / (total_steps - warmup_steps)
        return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * progress))
    # no else: past total_steps the function returns None
