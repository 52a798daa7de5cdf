# expect: gradients, shape
import torch


def linear_backward(x, weight, bias, grad_y):
    x2 = x.float().reshape(-1, x.shape[-1])
    g2 = grad_y.float().reshape(-1, grad_y.shape[-1])
    W, b = weight.float(), bias.float()
    y = (x2 @ W.T + b).reshape(*x.shape[:-1], -1)
    grad_x = (g2 @ W).reshape(x.shape)
    return y, grad_x, g2.T @ x2, g2.sum(0)  # float32 for float16 inputs: never cast back
