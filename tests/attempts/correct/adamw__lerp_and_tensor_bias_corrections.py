import torch


def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    # float32 inside (float64 stays float64); EMAs with torch.lerp; the bias
    # corrections as 0-dim tensors on the param's device
    beta1, beta2 = betas
    f = torch.float64 if param.dtype == torch.float64 else torch.float32
    p, g = param.to(f), grad.to(f)
    m = torch.lerp(exp_avg.to(f), g, 1 - beta1)
    v = torch.lerp(exp_avg_sq.to(f), g * g, 1 - beta2)
    t = torch.tensor(float(step), dtype=f, device=param.device)
    bc1 = 1 - torch.pow(torch.tensor(beta1, dtype=f, device=param.device), t)
    bc2 = 1 - torch.pow(torch.tensor(beta2, dtype=f, device=param.device), t)
    update = (m / bc1) / ((v / bc2).sqrt() + eps)
    new_p = p * (1 - lr * weight_decay) - lr * update
    return new_p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)
