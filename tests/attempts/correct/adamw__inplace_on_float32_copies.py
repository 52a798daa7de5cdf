import math

import torch


def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    # torch.optim's own order of in-place ops, on float32 copies of the inputs
    beta1, beta2 = betas
    dtype = torch.promote_types(param.dtype, torch.float32)
    p = param.to(dtype, copy=True)
    g = grad.to(dtype)
    m = exp_avg.to(dtype, copy=True)
    v = exp_avg_sq.to(dtype, copy=True)
    p.mul_(1 - lr * weight_decay)
    m.lerp_(g, 1 - beta1)
    v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
    denom = (v.sqrt() / bias_correction2_sqrt).add_(eps)
    p.addcdiv_(m, denom, value=-lr / bias_correction1)
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)
