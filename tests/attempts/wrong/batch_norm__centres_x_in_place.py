# expect: gradients, rules
import torch


def batch_norm(x, running_mean, running_var, weight, bias, training=True,
               momentum=0.1, eps=1e-5):
    dims = [0, *range(2, x.dim())]
    shape = [1, -1] + [1] * (x.dim() - 2)
    z = x.detach() if x.dtype == torch.float64 else x.detach().float()
    if training:
        n = x.numel() // x.shape[1]
        mean = z.mean(dim=dims)
        var = (z - mean.view(shape)).pow(2).mean(dim=dims)
        with torch.no_grad():
            running_mean.copy_((1 - momentum) * running_mean + momentum * mean)
            running_var.copy_((1 - momentum) * running_var + momentum * var * n / (n - 1))
    else:
        mean, var = running_mean.to(z.dtype), running_var.to(z.dtype)
    x.data.sub_(mean.view(shape).to(x.dtype))  # centres the caller's x
    y = x.to(z.dtype) / torch.sqrt(var.view(shape) + eps)
    return (y * weight.view(shape) + bias.view(shape)).to(x.dtype)
