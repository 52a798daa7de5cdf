# expect: device
import torch


def layer_norm(x, weight, bias, eps=1e-5):
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    d = z.shape[-1]
    avg = torch.ones(d, dtype=z.dtype) / d  # made on the CPU, whatever device x is on
    mean = (z @ avg)[..., None]
    var = ((z - mean) ** 2 @ avg)[..., None]
    return ((z - mean) / torch.sqrt(var + eps) * weight + bias).to(x.dtype)
