# expect: device
import torch
import torch.nn.functional as F


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    sH, sW = (stride, stride) if isinstance(stride, int) else stride
    pH, pW = (padding, padding) if isinstance(padding, int) else padding
    dH, dW = (dilation, dilation) if isinstance(dilation, int) else dilation
    N, C, H, W = x.shape
    O, _, kH, kW = weight.shape
    xp = F.pad(x.float(), (pW, pW, pH, pH))
    Ho = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1
    Wo = (W + 2 * pW - dW * (kW - 1) - 1) // sW + 1
    # the accumulator is made on the CPU: fine here, wrong for x on a GPU
    out = torch.zeros(N, O, Ho, Wo)
    for a in range(kH):
        for b in range(kW):
            tap = xp[:, :, a * dH::sH, b * dW::sW][:, :, :Ho, :Wo]
            out = out + torch.einsum("nchw,oc->nohw", tap, weight[:, :, a, b].float())
    if bias is not None:
        out = out + bias.float()[:, None, None]
    return out.to(x.dtype)
