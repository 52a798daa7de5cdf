# expect: device
import torch


def softmax(x, dim=-1):
    e = (x - x.amax(dim=dim, keepdim=True)).exp()
    ones = torch.ones(e.shape, dtype=e.dtype)  # made on the CPU, whatever device x is on
    return e * ones / e.sum(dim=dim, keepdim=True)
