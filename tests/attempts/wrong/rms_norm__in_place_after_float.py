# expect: numerics, rules
import torch


def rms_norm(x, weight, eps=1e-6):
    z = x.float()  # a copy for float16 input, but for float32 it is x itself ...
    ms = z.pow(2).mean(-1, keepdim=True)
    z.mul_(torch.rsqrt(ms + eps))  # ... so this rescales the caller's x in place
    return (z * weight).to(x.dtype)
