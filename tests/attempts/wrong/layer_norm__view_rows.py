# expect: shape
import torch


def layer_norm(x, weight, bias, eps=1e-5):
    rows = x.view(-1, x.shape[-1]).float()  # .view fails on a non-contiguous x: use .reshape
    mean = rows.mean(-1, keepdim=True)
    var = (rows - mean).pow(2).mean(-1, keepdim=True)
    y = (rows - mean) / torch.sqrt(var + eps) * weight + bias
    return y.to(x.dtype).view(x.shape)
