# expect: device
import torch


def cross_entropy(logits, target):
    z = logits.to(torch.promote_types(logits.dtype, torch.float32))
    logp = z - torch.logsumexp(z, dim=-1, keepdim=True)
    one_hot = torch.zeros(z.shape, dtype=z.dtype)  # made on the CPU, whatever device z is on
    one_hot = one_hot.scatter(1, target[:, None], 1.0)
    return -(one_hot * logp).sum(dim=-1).mean().to(logits.dtype)
