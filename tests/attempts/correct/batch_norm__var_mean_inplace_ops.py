import torch


def batch_norm(x, running_mean, running_var, weight, bias, training=True,
               momentum=0.1, eps=1e-5):
    z = x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
    dims = [d for d in range(x.dim()) if d != 1]
    shape = [1, -1] + [1] * (x.dim() - 2)
    if training:
        var, mean = torch.var_mean(z, dim=dims, unbiased=False)
        n = x.numel() / x.shape[1]
        running_mean.mul_(1 - momentum).add_(momentum * mean.detach())
        running_var.mul_(1 - momentum).add_(momentum * n / (n - 1) * var.detach())
    else:
        mean, var = running_mean.to(z.dtype), running_var.to(z.dtype)
    y = (z - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
    return (y * weight.view(shape) + bias.view(shape)).to(x.dtype)
