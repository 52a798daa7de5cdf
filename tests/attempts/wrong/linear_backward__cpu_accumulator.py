# expect: device
import torch


def linear_backward(x, weight, bias, grad_y):
    Out = weight.shape[0]
    y = x @ weight.T + bias
    grad_x = grad_y @ weight
    g2 = grad_y.reshape(-1, Out)
    grad_weight = g2.T @ x.reshape(-1, x.shape[-1])
    grad_bias = torch.zeros(Out, dtype=x.dtype)  # on the CPU, whatever x is on
    for row in g2:
        grad_bias = grad_bias + row
    return y, grad_x, grad_weight, grad_bias
