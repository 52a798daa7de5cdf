import torch


def layer_norm(x, weight, bias, eps=1e-5):
    # torch.var_mean(correction=0) in one call; addcmul for the affine part.
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    var, mean = torch.var_mean(z, dim=-1, correction=0, keepdim=True)
    y = (z - mean) / (var + eps).sqrt()
    return torch.addcmul(bias.to(z.dtype), y, weight.to(z.dtype)).to(x.dtype)
