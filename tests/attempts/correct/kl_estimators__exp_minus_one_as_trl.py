import torch


def kl_estimators(logp, logq):
    # as TRL writes it: exp(log r) - 1 rounds a hair below 0 for tiny log r, which is fine
    log_r = logp.float() - logq.float()
    k1 = -log_r
    k2 = 0.5 * log_r ** 2
    k3 = torch.exp(log_r) - log_r - 1
    return k1.to(logp.dtype), k2.to(logp.dtype), k3.to(logp.dtype)
