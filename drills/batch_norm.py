"""Batch normalisation (train and eval) - write it by hand.

Contract
    batch_norm(x, running_mean, running_var, weight, bias,
               training=True, momentum=0.1, eps=1e-5)
    returns what F.batch_norm(x, running_mean, running_var, weight,
    bias, training, momentum, eps) returns, and updates the running
    statistics as it does.

    x             (N, C, *): (N, C, H, W), or (N, C, L), or (N, C);
                  float16, bfloat16, float32 or float64
    running_mean  (C,), x's dtype
    running_var   (C,), x's dtype
    weight, bias  (C,), x's dtype: per-channel scale and shift

    Each channel c is normalised with statistics taken over every dim
    but dim 1 (the batch and all positions, n = N * H * W values):

        y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c

    training=True   mean_c and var_c are the batch's (var biased:
                    divide by n). running_mean and running_var are
                    updated IN PLACE (n > 1):
                      running_mean = (1 - momentum) * running_mean
                                     + momentum * mean
                      running_var  = (1 - momentum) * running_var
                                     + momentum * var * n / (n - 1)
                    (the unbiased variance goes into the running one).
    training=False  mean_c, var_c are running_mean, running_var, which
                    stay unchanged.

    Returns y with x's shape and dtype. x, weight and bias must not be
    modified; no gradient flows into the running statistics.

Not allowed: batch_norm, instance_norm, group_norm and layer_norm in
any form (torch.*, F.*, nn modules).

Grade it:  handwrite check batch_norm
"""

import torch


def batch_norm(x: torch.Tensor, running_mean: torch.Tensor,
               running_var: torch.Tensor, weight: torch.Tensor,
               bias: torch.Tensor, training: bool = True,
               momentum: float = 0.1, eps: float = 1e-5) -> torch.Tensor:
    raise NotImplementedError
