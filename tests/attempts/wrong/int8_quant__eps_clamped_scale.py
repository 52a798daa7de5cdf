# expect: numerics, stability
import torch


def int8_quant(x, scale=None):
    xf = x.float()
    if scale is None:
        s = xf.abs().amax(dim=-1).clamp(min=1e-8) / 127  # tiny rows lose everything
    else:
        s = scale.float()
    q = torch.round(xf / s[:, None]).clamp(-127, 127).to(torch.int8)
    return q, s.to(x.dtype), (q.float() * s[:, None]).to(x.dtype)
