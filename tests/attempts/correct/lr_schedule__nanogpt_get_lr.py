import math


def lr_at(step, base_lr, warmup_steps, total_steps, min_lr):
    # nanoGPT's get_lr, with this drill's warmup (from 0) and names
    it = step
    # 1) linear warmup for warmup_iters steps
    if it < warmup_steps:
        return base_lr * it / warmup_steps
    # 2) if it > lr_decay_iters, return min learning rate
    if it > total_steps:
        return min_lr
    # 3) in between, use cosine decay down to min learning rate
    decay_ratio = (it - warmup_steps) / (total_steps - warmup_steps)
    assert 0 <= decay_ratio <= 1
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))  # coeff ranges 0..1
    return min_lr + coeff * (base_lr - min_lr)
