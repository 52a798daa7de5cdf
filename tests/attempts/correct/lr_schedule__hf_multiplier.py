import math


def lr_at(step, base_lr, warmup_steps, total_steps, min_lr):
    # Hugging Face style: a multiplier of base_lr, as a LambdaLR would take it.
    if step < warmup_steps:
        return base_lr * float(step) / float(max(1, warmup_steps))
    progress = float(step - warmup_steps) / float(max(1, total_steps - warmup_steps))
    progress = min(progress, 1.0)
    cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
    floor = min_lr / base_lr
    return base_lr * (floor + (1.0 - floor) * cosine)
