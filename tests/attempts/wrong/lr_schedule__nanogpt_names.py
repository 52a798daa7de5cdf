# expect: load
import math


def lr_at(it, learning_rate, warmup_iters, lr_decay_iters, min_lr):
    # nanoGPT's get_lr, pasted with its own parameter names
    if it < warmup_iters:
        return learning_rate * it / warmup_iters
    if it > lr_decay_iters:
        return min_lr
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_lr + coeff * (learning_rate - min_lr)
