# expect: shape
import torch


def linear_backward(x, weight, bias, grad_y):
    x2 = x.view(-1, x.shape[-1])  # view: fails on a non-contiguous x
    g2 = grad_y.view(-1, grad_y.shape[-1])
    y = (x2 @ weight.T + bias).view(*x.shape[:-1], -1)
    grad_x = (g2 @ weight).view(x.shape)
    return y, grad_x, g2.T @ x2, g2.sum(0)
