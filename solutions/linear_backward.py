"""The forward and backward pass of a linear layer, by hand: the reference that
`handwrite check linear_backward` grades against."""

import torch


def linear_backward(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                    grad_y: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """y = x @ weight.T + bias, as ``F.linear``, and the gradients of a loss L with respect to
    x, weight and bias given grad_y = dL/dy, as autograd would compute them, without autograd.
    Returns (y, grad_x, grad_weight, grad_bias), all in x's dtype."""
    # float16/bfloat16 would round every product of the sums below: float32 at least inside.
    work = torch.promote_types(x.dtype, torch.float32)
    In, Out = weight.shape[1], weight.shape[0]
    # Every leading dim (batch, time, ...) is just more rows: flatten them into one, so that one
    # matmul sums over all of them. reshape, not view: x may be non-contiguous.
    x2 = x.to(work).reshape(-1, In)  # (M, In), M = product of the leading dims
    g2 = grad_y.to(work).reshape(-1, Out)  # (M, Out)
    W, b = weight.to(work), bias.to(work)  # (Out, In), (Out,)

    y = x2 @ W.T + b  # (M, Out) the bias broadcasts over the rows

    # y[m, o] = sum_i x[m, i] W[o, i] + b[o]. The chain rule, one input at a time:
    # dL/dx[m, i] = sum_o dL/dy[m, o] W[o, i]: the forward's matrix, untransposed.
    grad_x = g2 @ W  # (M, Out) @ (Out, In) -> (M, In)
    # dL/dW[o, i] = sum_m dL/dy[m, o] x[m, i]: W is shared by every row, so the rows' gradients
    # add up. The shape comes out (Out, In), the weight's own: a gradient has its variable's
    # shape, which is the quickest check of a transpose.
    grad_weight = g2.T @ x2  # (Out, M) @ (M, In) -> (Out, In)
    # dL/db[o] = sum_m dL/dy[m, o]: b too is shared by every row (summed, not averaged: the
    # mean over the batch, if any, is already inside grad_y).
    grad_bias = g2.sum(dim=0)  # (Out,)

    lead = x.shape[:-1]  # the leading dims, restored on y and grad_x
    return (y.reshape(*lead, Out).to(x.dtype), grad_x.reshape(*lead, In).to(x.dtype),
            grad_weight.to(x.dtype), grad_bias.to(x.dtype))
