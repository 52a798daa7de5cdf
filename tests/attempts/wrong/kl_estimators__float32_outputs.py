# expect: numerics, shape
import torch


def kl_estimators(logp, logq):
    log_r = logp.float() - logq.float()
    return -log_r, 0.5 * log_r ** 2, torch.expm1(log_r) - log_r  # never cast back
