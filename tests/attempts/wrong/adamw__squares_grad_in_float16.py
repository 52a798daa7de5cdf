# expect: stability
import math


def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    # everything in the input dtype: grad * grad overflows float16 above 256
    beta1, beta2 = betas
    m = beta1 * exp_avg + (1 - beta1) * grad
    v = beta2 * exp_avg_sq + grad * grad * (1 - beta2)
    m_hat = m / (1 - beta1 ** step)
    denom = v.sqrt() / math.sqrt(1 - beta2 ** step) + eps
    p = param * (1 - lr * weight_decay) - lr * m_hat / denom
    return p, m, v
