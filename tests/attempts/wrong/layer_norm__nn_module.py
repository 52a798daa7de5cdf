# expect: gradients, rules
import torch
import torch.nn as nn


def layer_norm(x, weight, bias, eps=1e-5):
    norm = nn.LayerNorm(x.shape[-1], eps=eps, device=x.device, dtype=x.dtype)
    with torch.no_grad():  # copies the values only: no gradient flows back to weight and bias
        norm.weight.copy_(weight)
        norm.bias.copy_(bias)
    return norm(x)  # runs aten native_layer_norm: caught as a forbidden call
