import torch


def int8_quant(x, scale=None):
    xd = x.double()
    if scale is None:
        amax = xd.abs().max(dim=1, keepdim=True).values
        s = amax / 127.0
    else:
        s = scale.double().unsqueeze(1)
    # multiply by the inverse; 0 where the row is all zeros
    inv = torch.where(s == 0, torch.zeros_like(s), 1.0 / s)
    q = torch.clamp(torch.round(xd * inv), min=-127, max=127).to(torch.int8)
    x_hat = q.double() * s
    return q, s.squeeze(1).to(x.dtype), x_hat.to(x.dtype)
