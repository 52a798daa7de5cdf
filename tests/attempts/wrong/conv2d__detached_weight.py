# expect: gradients
import torch.nn.functional as F


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    N, C, H, W = x.shape
    O, _, kH, kW = weight.shape
    w = weight.detach().float().reshape(O, -1)  # no gradient reaches weight
    cols = F.unfold(x.float(), (kH, kW), dilation=dilation, padding=padding, stride=stride)
    out = w @ cols
    if bias is not None:
        out = out + bias.float()[:, None]
    s = (stride, stride) if isinstance(stride, int) else stride
    p = (padding, padding) if isinstance(padding, int) else padding
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    Ho = (H + 2 * p[0] - d[0] * (kH - 1) - 1) // s[0] + 1
    Wo = (W + 2 * p[1] - d[1] * (kW - 1) - 1) // s[1] + 1
    return out.reshape(N, O, Ho, Wo).to(x.dtype)
