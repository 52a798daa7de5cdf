# expect: shape, numerics
import math


def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    beta1, beta2 = betas
    p, g = param.float(), grad.float()
    m = beta1 * exp_avg.float() + (1 - beta1) * g
    v = beta2 * exp_avg_sq.float() + (1 - beta2) * g * g
    denom = v.sqrt() / math.sqrt(1 - beta2 ** step) + eps
    p = p * (1 - lr * weight_decay) - lr / (1 - beta1 ** step) * m / denom
    return p.to(param.dtype)  # the new state is lost: the next step starts over
