# expect: rules
import torch


def int8_quant(x, scale=None):
    xf = x.float()
    s = xf.abs().amax(dim=-1) / 127 if scale is None else scale.float()
    safe = torch.where(s > 0, s, torch.ones_like(s))
    zero = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
    qt = torch.quantize_per_channel(xf, safe, zero, 0, torch.qint8)
    q = qt.int_repr().clamp(-127, 127)
    return q, s.to(x.dtype), (q.float() * s[:, None]).to(x.dtype)
