# expect: rules
import torch


def int8_quant(x, scale=None):
    xf = x.float()  # for float32 input this is x itself, not a copy
    s = xf.abs().amax(dim=-1) / 127 if scale is None else scale.float()
    safe = torch.where(s > 0, s, torch.ones_like(s))
    xf /= safe[:, None]
    q = xf.round_().clamp_(-127, 127).to(torch.int8)
    return q, s.to(x.dtype), (q.float() * s[:, None]).to(x.dtype)
