"""2-D convolution (cross-correlation, as every deep-learning library means it) written by
hand with unfold and a matrix product: the reference that `handwrite check conv2d` grades
against."""

import torch
import torch.nn.functional as F


def _pair(v):
    """An int means the same value for height and width; a pair is (height, width)."""
    return (v, v) if isinstance(v, int) else tuple(v)


def conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
           stride=1, padding=0, dilation=1) -> torch.Tensor:
    """x (N, C, H, W), weight (O, C, kH, kW), bias (O,) or None -> (N, O, H_out, W_out),
    the same as F.conv2d(x, weight, bias, stride, padding, dilation) with groups=1.

    H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1, and the same for W.
    """
    sH, sW = _pair(stride)
    pH, pW = _pair(padding)
    dH, dW = _pair(dilation)
    N, C, H, W = x.shape
    O, _, kH, kW = weight.shape
    # A dilated kernel spans d * (k - 1) + 1 pixels; a window fits wherever that span lies
    # inside the padded input, and windows start every s pixels: floor, then +1 for the first.
    H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1
    W_out = (W + 2 * pW - dW * (kW - 1) - 1) // sW + 1
    # float16/bfloat16 round every partial sum of the C * kH * kW products: add them up in
    # float32 at least, and round once at the end.
    ct = torch.promote_types(x.dtype, torch.float32)
    # unfold cuts every window out (zero padding on both sides, dilation and stride included)
    # and lays it out as one column, channel-major then kernel row then kernel column: the
    # order in which weight[o] flattens, so one matrix product does every window at once.
    cols = F.unfold(x.to(ct), (kH, kW), dilation=(dH, dW), padding=(pH, pW),
                    stride=(sH, sW))  # (N, C * kH * kW, H_out * W_out)
    # No flip of the kernel: deep learning's "convolution" is a cross-correlation, so
    # weight[o, c, i, j] meets the pixel i rows and j columns into the window.
    out = weight.reshape(O, C * kH * kW).to(ct) @ cols  # (N, O, H_out * W_out)
    if bias is not None:
        out = out + bias.to(ct)[:, None]  # (N, O, H_out * W_out) one bias per output channel
    # The columns run over windows row by row, so they fold back into (H_out, W_out).
    return out.reshape(N, O, H_out, W_out).to(x.dtype)  # (N, O, H_out, W_out)
