"""Linear layer, forward and backward by hand - write it by hand.

Contract
    linear_backward(x, weight, bias, grad_y) returns the tuple
    (y, grad_x, grad_weight, grad_bias):

        y            = x @ weight.T + bias           (as F.linear)
        grad_x       = dL/dx       given grad_y = dL/dy
        grad_weight  = dL/dweight
        grad_bias    = dL/dbias

    exactly what autograd would give for y.backward(grad_y), but
    derived and computed by hand.

    x       (..., In): any number of leading dims, even none:
            (In,), (N, In), (B, T, In), ...
    weight  (Out, In), as nn.Linear stores it
    bias    (Out,)
    grad_y  (..., Out): y's shape

    Returns y (..., Out), grad_x (..., In), grad_weight (Out, In) and
    grad_bias (Out,): every gradient has its variable's shape. All in
    x's dtype (float16, bfloat16, float32 or float64; all four inputs
    share it). The inputs must not be modified.

Not allowed: autograd in any form: .backward(), torch.autograd.*,
requires_grad_, torch.func, no_grad/enable_grad: nothing whose name
contains "backward" or "grad". F.linear and matmul are allowed.

Grade it:  handwrite check linear_backward
"""

import torch


def linear_backward(x: torch.Tensor, weight: torch.Tensor,
                    bias: torch.Tensor, grad_y: torch.Tensor):
    raise NotImplementedError
