"""2-D convolution with stride, padding and dilation - write it by hand.

Contract
    conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1)
    returns what F.conv2d(x, weight, bias, stride, padding, dilation)
    returns (groups=1): shape (N, O, H_out, W_out), x's dtype, where
        H_out = (H + 2*pH - dH*(kH - 1) - 1) // sH + 1
    and the same for W_out with pW, dW, kW, sW.

    x         (N, C, H, W) floating: float16, bfloat16, float32, float64
    weight    (O, C, kH, kW), the same dtype
    bias      (O,) or None: added to every pixel of output channel o
    stride    int, or a pair (sH, sW); an int means both
    padding   int or (pH, pW): that many zeros on BOTH sides of H (top
              and bottom) and of W (left and right)
    dilation  int or (dH, dW): gap between kernel taps; 1 = none

    out[n, o, i, j] = bias[o] + sum over c, a, b of
        weight[o, c, a, b] * xp[n, c, i*sH + a*dH, j*sW + b*dW]
    where xp is x zero-padded: a cross-correlation, the kernel is NOT
    flipped. Gradients must flow to x, weight and bias. The inputs must
    not be modified. It must work in float16 and bfloat16 and on any
    device.

Forbidden: F.conv2d, torch.conv2d, nn.Conv2d or any other convolution
op (anything named conv*). Allowed: F.unfold, F.pad, matmul, einsum,
loops, slicing.

Grade it:  handwrite check conv2d
"""

import torch
import torch.nn.functional as F


def conv2d(x: torch.Tensor, weight: torch.Tensor,
           bias: torch.Tensor | None = None,
           stride=1, padding=0, dilation=1) -> torch.Tensor:
    raise NotImplementedError
