"""One AdamW step (functional) - write it by hand.

Contract
    adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)
    -> (new_param, new_exp_avg, new_exp_avg_sq)
    does to one parameter what one torch.optim.AdamW step does, but
    returns new tensors instead of updating in place.

    param       any shape (a matrix, a bias, a conv weight, a 0-dim
                scalar); float16, bfloat16, float32 or float64
    grad        param's shape and dtype: the gradient at param
    exp_avg     m: param's shape and dtype (zeros before step 1)
    exp_avg_sq  v: param's shape and dtype (zeros before step 1)
    step        int, the 1-based number of THIS step (1 on the first
                call), as torch.optim counts after incrementing

    In this order, with (beta1, beta2) = betas:
        param = param * (1 - lr * weight_decay)   # decoupled decay
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        m_hat = m / (1 - beta1**step)
        v_hat = v / (1 - beta2**step)
        param = param - lr * m_hat / (sqrt(v_hat) + eps)
    and returns (param, m, v): the new m and v, not m_hat and v_hat.

    All three outputs have param's shape and dtype. For float16 and
    bfloat16 compute in float32 inside (grad * grad overflows float16)
    and cast back. The inputs must not be modified (no p -= ... or
    .mul_() on an input). No gradient is tracked: an optimizer step
    is not differentiated.

Not allowed: torch.optim (Adam, AdamW and their functional forms),
torch._foreach_* and the fused _fused_adam(w)_ kernels.

Grade it:  handwrite check adamw
"""

import torch


def adamw_step(param: torch.Tensor, grad: torch.Tensor,
               exp_avg: torch.Tensor, exp_avg_sq: torch.Tensor,
               step: int, lr: float = 1e-3,
               betas: tuple[float, float] = (0.9, 0.999),
               eps: float = 1e-8, weight_decay: float = 1e-2
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    raise NotImplementedError
