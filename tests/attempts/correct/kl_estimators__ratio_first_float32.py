import torch


def kl_estimators(logp, logq):
    ratio = torch.exp(logp.float() - logq.float())  # p / q, never exp(logp) / exp(logq)
    log_ratio = torch.log(ratio)
    k1 = -log_ratio
    k2 = 0.5 * log_ratio.pow(2)
    k3 = (ratio - 1 - log_ratio).clamp_min(0)
    return tuple(k.to(logp.dtype) for k in (k1, k2, k3))
