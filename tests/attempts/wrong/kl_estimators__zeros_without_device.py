# expect: device
import torch


def kl_estimators(logp, logq):
    log_r = logp.float() - logq.float()
    k1 = -log_r
    k2 = 0.5 * log_r ** 2
    k3 = torch.maximum(torch.exp(log_r) - 1 - log_r, torch.zeros(log_r.shape))  # on the CPU
    return k1.to(logp.dtype), k2.to(logp.dtype), k3.to(logp.dtype)
