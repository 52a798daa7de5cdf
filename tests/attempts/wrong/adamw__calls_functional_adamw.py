# expect: shape, numerics, stability, device, rules
import torch
from torch.optim.adamw import adamw


def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    p, m, v = param.float().clone(), exp_avg.float().clone(), exp_avg_sq.float().clone()
    adamw([p], [grad.float()], [m], [v], [], [torch.tensor(float(step - 1))], foreach=False,
          capturable=False, differentiable=False, fused=None, grad_scale=None, found_inf=None,
          has_complex=False, amsgrad=False, beta1=betas[0], beta2=betas[1], lr=lr,
          weight_decay=weight_decay, eps=eps, maximize=False)
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)
