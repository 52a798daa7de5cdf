import torch.nn.functional as F
from torch import einsum


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    N, C, H, W = x.shape
    O, _, kH, kW = weight.shape
    cols = F.unfold(x, (kH, kW), dilation=dilation, padding=padding, stride=stride)
    out = einsum("ok,nkl->nol", weight.flatten(1), cols)
    if bias is not None:
        out = out + bias.unsqueeze(-1)
    s = (stride, stride) if isinstance(stride, int) else stride
    p = (padding, padding) if isinstance(padding, int) else padding
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    Ho = (H + 2 * p[0] - d[0] * (kH - 1) - 1) // s[0] + 1
    Wo = (W + 2 * p[1] - d[1] * (kW - 1) - 1) // s[1] + 1
    return out.view(N, O, Ho, Wo)
