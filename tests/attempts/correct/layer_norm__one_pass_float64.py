import torch


def layer_norm(x, weight, bias, eps=1e-5):
    # The one-pass E[x^2] - E[x]^2 cancels at x ~ 1e4 in float32, but float64 keeps ~16 digits:
    # at 1e4 + noise that still leaves ~8 for the variance.
    z = x.double()
    mean = z.mean(-1, keepdim=True)
    var = (z * z).mean(-1, keepdim=True) - mean * mean
    return ((z - mean) / torch.sqrt(var + eps) * weight + bias).to(x.dtype)
