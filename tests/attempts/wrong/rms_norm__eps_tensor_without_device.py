# expect: device
import torch


def rms_norm(x, weight, eps=1e-6):
    # the bug: the epsilon is a one-element tensor made on the CPU
    eps_t = torch.full((1,), eps)
    xf = x.float()
    rms = torch.sqrt(xf.pow(2).mean(-1, keepdim=True) + eps_t)
    return (xf / rms * weight.float()).to(x.dtype)
