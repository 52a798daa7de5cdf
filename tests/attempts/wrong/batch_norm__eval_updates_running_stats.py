# expect: gradients, numerics
import torch


def batch_norm(x, running_mean, running_var, weight, bias, training=True,
               momentum=0.1, eps=1e-5):
    z = x.float() if x.dtype != torch.float64 else x
    dims = [0, *range(2, x.dim())]
    shape = [1, -1] + [1] * (x.dim() - 2)
    n = x.numel() // x.shape[1]
    mean = z.mean(dim=dims)
    var = (z - mean.view(shape)).pow(2).mean(dim=dims)
    with torch.no_grad():  # updated in eval too
        running_mean.copy_((1 - momentum) * running_mean + momentum * mean)
        running_var.copy_((1 - momentum) * running_var + momentum * var * n / (n - 1))
    if not training:
        mean, var = running_mean.to(z.dtype), running_var.to(z.dtype)
    y = (z - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
    return (y * weight.view(shape) + bias.view(shape)).to(x.dtype)
