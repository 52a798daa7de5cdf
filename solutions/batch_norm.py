"""Batch normalisation with running statistics, written by hand: the reference that
`handwrite check batch_norm` grades against."""

import torch


def batch_norm(x: torch.Tensor, running_mean: torch.Tensor, running_var: torch.Tensor,
               weight: torch.Tensor, bias: torch.Tensor, training: bool = True,
               momentum: float = 0.1, eps: float = 1e-5) -> torch.Tensor:
    """Per-channel normalisation of x (N, C, *), as ``F.batch_norm(x, running_mean,
    running_var, weight, bias, training, momentum, eps)``: batch statistics in training (and the
    running ones updated in place), the running statistics in eval. In x's dtype."""
    # float16/bfloat16 lose digits in every sum over N * H * W values: float32 at least.
    work = torch.promote_types(x.dtype, torch.float32)
    z = x.to(work)  # (N, C, *)
    # Statistics per channel: over the batch AND every position, i.e. every dim but dim 1.
    dims = [0, *range(2, x.dim())]
    shape = [1, -1] + [1] * (x.dim() - 2)  # a (C,) vector seen as (1, C, 1, ...): broadcasts
    if training:
        n = x.numel() // x.shape[1]  # values per channel: N * H * W
        mean = z.mean(dim=dims)  # (C,)
        # Two passes (centre, then square): E[x^2] - E[x]^2 cancels catastrophically when the
        # mean is large next to the spread.
        var = (z - mean.view(shape)).pow(2).mean(dim=dims)  # (C,) biased: what normalises
        # The running statistics are bookkeeping for eval, not part of the graph: no gradient
        # flows into them. Each is an exponential moving average with weight `momentum` on the
        # new batch (torch's convention: new = (1 - momentum) * old + momentum * batch). The
        # variance stored is the UNBIASED one (n / (n - 1)): it estimates the population's.
        with torch.no_grad():
            new_mean = (1 - momentum) * running_mean.to(work) + momentum * mean  # (C,)
            new_var = (1 - momentum) * running_var.to(work) + momentum * var * n / (n - 1)  # (C,)
            running_mean.copy_(new_mean)  # in place: the caller's buffers are the state
            running_var.copy_(new_var)
    else:
        # Eval: the population estimates, so one sample's output does not depend on the batch.
        mean, var = running_mean.to(work), running_var.to(work)  # (C,), (C,)
    # eps inside the square root, as torch does.
    x_hat = (z - mean.view(shape)) * torch.rsqrt(var.view(shape) + eps)  # (N, C, *)
    y = x_hat * weight.to(work).view(shape) + bias.to(work).view(shape)  # (N, C, *)
    return y.to(x.dtype)
