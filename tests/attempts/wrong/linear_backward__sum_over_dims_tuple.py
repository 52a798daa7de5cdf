# expect: gradients, shape
import torch


def linear_backward(x, weight, bias, grad_y):
    lead = tuple(range(x.dim() - 1))  # () for a 1-D x: sum(dim=()) then sums EVERY dim
    y = x @ weight.T + bias
    grad_x = grad_y @ weight
    grad_weight = torch.einsum("...o,...i->oi", grad_y, x)
    grad_bias = grad_y.sum(dim=lead)
    return y, grad_x, grad_weight, grad_bias
