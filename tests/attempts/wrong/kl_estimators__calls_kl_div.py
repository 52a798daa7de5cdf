# expect: numerics, rules, stability
import torch
import torch.nn.functional as F


def kl_estimators(logp, logq):
    # kl_div(input, target, log_target=True) = exp(target) * (target - input) = q log(q / p)
    k1 = F.kl_div(logp.float(), logq.float(), reduction="none", log_target=True)
    k1 = k1 / logq.float().exp()
    log_r = -k1
    k2 = 0.5 * log_r ** 2
    k3 = torch.expm1(log_r) - log_r
    return k1.to(logp.dtype), k2.to(logp.dtype), k3.to(logp.dtype)
