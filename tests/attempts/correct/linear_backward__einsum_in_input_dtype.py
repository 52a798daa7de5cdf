import torch


def linear_backward(x, weight, bias, grad_y):
    y = torch.einsum("...i,oi->...o", x, weight) + bias
    grad_x = torch.einsum("...o,oi->...i", grad_y, weight)
    grad_weight = torch.einsum("...o,...i->oi", grad_y, x)  # sums every leading dim
    grad_bias = torch.einsum("...o->o", grad_y)
    return y, grad_x, grad_weight, grad_bias
