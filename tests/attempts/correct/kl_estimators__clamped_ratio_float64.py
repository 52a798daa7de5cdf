import torch


def kl_estimators(logp, logq):
    dtype = logp.dtype
    log_r = logp.double() - logq.double()
    r = torch.exp(log_r)
    k1 = -log_r
    k2 = 0.5 * log_r * log_r
    # (r - 1) - log r >= 0 in exact arithmetic; the clamp keeps it so after rounding
    k3 = torch.clamp((r - 1) - log_r, min=0.0)
    return k1.to(dtype), k2.to(dtype), k3.to(dtype)
