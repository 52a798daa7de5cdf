# expect: rules
import math

import torch


def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    # copied from an optimizer's step(): updates the caller's tensors in place
    beta1, beta2 = betas
    with torch.no_grad():
        param.mul_(1 - lr * weight_decay)
        exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad.float(), grad.float(),
                                        value=1 - beta2)
        denom = (exp_avg_sq.float().sqrt()
                 / math.sqrt(1 - beta2 ** step)).add_(eps)
        update = exp_avg.float() / denom * (lr / (1 - beta1 ** step))
        param.sub_(update.to(param.dtype))
    return param, exp_avg, exp_avg_sq
