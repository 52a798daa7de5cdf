import torch
import torch.nn.functional as F


def linear_backward(x, weight, bias, grad_y):
    dt = x.dtype
    x64, w64, g64 = x.double(), weight.double(), grad_y.double()
    y = F.linear(x64, w64, bias.double())
    grad_x = g64 @ w64
    rows_x = x64.reshape(-1, x.shape[-1])
    rows_g = g64.reshape(-1, grad_y.shape[-1])
    grad_weight = torch.zeros_like(w64)
    grad_bias = torch.zeros_like(bias, dtype=torch.float64)
    for xm, gm in zip(rows_x, rows_g):  # one outer product per row
        grad_weight = grad_weight + torch.outer(gm, xm)
        grad_bias = grad_bias + gm
    return y.to(dt), grad_x.to(dt), grad_weight.to(dt), grad_bias.to(dt)
