"""One AdamW step, written by hand and functional: the reference that `handwrite check adamw`
grades against."""

import math

import torch


def adamw_step(param: torch.Tensor, grad: torch.Tensor, exp_avg: torch.Tensor,
               exp_avg_sq: torch.Tensor, step: int, lr: float = 1e-3,
               betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
               weight_decay: float = 1e-2) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """What one ``torch.optim.AdamW`` step does to one parameter, as new tensors:
    (new_param, new_exp_avg, new_exp_avg_sq). ``step`` is this step's 1-based number. The
    inputs are left as they were; the outputs have param's dtype."""
    beta1, beta2 = betas
    # float16/bfloat16 cannot hold the update: 1 - lr * weight_decay rounds to 1, beta2 = 0.999
    # rounds to 0.996 in bfloat16, and grad * grad overflows float16 above 256. float32 at least.
    work = torch.promote_types(param.dtype, torch.float32)
    p = param.to(work)  # (*) a copy whenever the dtype changes; never written to in place
    g = grad.to(work)  # (*)
    m = exp_avg.to(work)  # (*)
    v = exp_avg_sq.to(work)  # (*)

    # Decoupled weight decay (the "W"): shrink the weights directly, BEFORE and apart from the
    # Adam update. Adding weight_decay * param to the gradient instead (L2) would send the decay
    # through m and v, where dividing by sqrt(v) cancels it for weights with large gradients.
    p = p * (1 - lr * weight_decay)  # (*)

    # Exponential moving averages of the gradient and of its square; beta weighs the OLD value.
    m = beta1 * m + (1 - beta1) * g  # (*)
    v = beta2 * v + (1 - beta2) * g * g  # (*)

    # Both averages start at zero, so early on they are biased towards 0 by a factor
    # 1 - beta**step (step counts from 1: at step 1 the factor is 1 - beta).
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step

    # eps goes OUTSIDE the square root, added to the bias-corrected sqrt(v): it only guards
    # against division by ~0 and must not change the step where sqrt(v_hat) >> eps.
    denom = v.sqrt() / math.sqrt(bias_correction2) + eps  # (*) sqrt(v_hat) + eps
    p = p - (lr / bias_correction1) * m / denom  # (*) lr * m_hat / (sqrt(v_hat) + eps)

    # The state stays in the caller's dtype, as torch.optim keeps it in the parameter's.
    return p.to(param.dtype), m.to(exp_avg.dtype), v.to(exp_avg_sq.dtype)
