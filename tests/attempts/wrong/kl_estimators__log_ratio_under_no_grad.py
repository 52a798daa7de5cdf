# expect: gradients
import torch


def kl_estimators(logp, logq):
    with torch.no_grad():  # "the KL is only a metric": but k3 is a loss term in GRPO
        log_r = logp.float() - logq.float()
        k1 = -log_r
        k2 = 0.5 * log_r ** 2
        k3 = torch.expm1(log_r) - log_r
    return k1.to(logp.dtype), k2.to(logp.dtype), k3.to(logp.dtype)
