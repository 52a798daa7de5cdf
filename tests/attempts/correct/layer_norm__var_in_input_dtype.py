import torch


def layer_norm(x, weight, bias, eps=1e-5):
    # torch.var with unbiased=False, and no upcast: float16 arithmetic throughout, still
    # within tolerance.
    mean = x.mean(-1, keepdim=True)
    var = torch.var(x, dim=-1, unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * weight + bias
