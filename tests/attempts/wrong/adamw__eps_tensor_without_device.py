# expect: device
import torch


def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    beta1, beta2 = betas
    p, g = param.float(), grad.float()
    m = beta1 * exp_avg.float() + (1 - beta1) * g
    v = beta2 * exp_avg_sq.float() + (1 - beta2) * g * g
    # the constants as tensors, made on the CPU: wrong for a param on a GPU
    bc1 = 1 - torch.tensor(beta1) ** step
    bc2 = 1 - torch.tensor(beta2) ** step
    eps_t = torch.full(param.shape, eps)
    p = p * (1 - lr * weight_decay) - lr * (m / bc1) / ((v / bc2).sqrt() + eps_t)
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)
