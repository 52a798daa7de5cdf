import torch


def int8_quant(x, scale=None):
    qs, scales, x_hats = [], [], []
    for i in range(x.shape[0]):
        row = x[i]
        # the scale rounded to x's dtype first, and used as rounded
        s = row.abs().max() / 127 if scale is None else scale[i]
        if s == 0:
            q = torch.zeros_like(row, dtype=torch.int8)
        else:
            q = torch.round(row.float() / s.float()).clamp(-127, 127).to(torch.int8)
        qs.append(q)
        scales.append(s)
        x_hats.append((q.float() * s.float()).to(x.dtype))
    return torch.stack(qs), torch.stack(scales), torch.stack(x_hats)
