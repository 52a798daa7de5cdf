import torch


def _two(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sH, sW), (pH, pW), (dH, dW) = _two(stride), _two(padding), _two(dilation)
    N, C, H, W = x.shape
    O, _, kH, kW = weight.shape
    xp = x.new_zeros(N, C, H + 2 * pH, W + 2 * pW, dtype=torch.float64)
    xp[:, :, pH:pH + H, pW:pW + W] = x.double()
    w = weight.double().reshape(O, -1)
    rows = []
    for i in range((H + 2 * pH - dH * (kH - 1) - 1) // sH + 1):
        row = []
        for j in range((W + 2 * pW - dW * (kW - 1) - 1) // sW + 1):
            win = xp[:, :, i * sH: i * sH + dH * (kH - 1) + 1: dH,
                     j * sW: j * sW + dW * (kW - 1) + 1: dW]  # (N, C, kH, kW)
            row.append(win.reshape(N, -1) @ w.T)  # (N, O)
        rows.append(torch.stack(row, -1))
    out = torch.stack(rows, -2)  # (N, O, Ho, Wo)
    if bias is not None:
        out = out + bias.double()[:, None, None]
    return out.to(x.dtype)
