# expect: load
import math


def adamw_step(param, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999),
               eps=1e-8, weight_decay=1e-2):
    # right maths, but m, v, t instead of the contract's exp_avg,
    # exp_avg_sq, step: a caller passing them by name would fail
    beta1, beta2 = betas
    p, g = param.float(), grad.float()
    m = beta1 * m.float() + (1 - beta1) * g
    v = beta2 * v.float() + (1 - beta2) * g * g
    denom = v.sqrt() / math.sqrt(1 - beta2 ** t) + eps
    p = p * (1 - lr * weight_decay) - lr / (1 - beta1 ** t) * m / denom
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)
