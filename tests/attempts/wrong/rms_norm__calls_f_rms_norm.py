# expect: rules
import torch


def rms_norm(x, weight, eps=1e-6):
    return torch.nn.functional.rms_norm(x.float(), x.shape[-1:], weight.float(), eps).to(x.dtype)
