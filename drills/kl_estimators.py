"""KL estimators k1, k2, k3 (Schulman) - write it by hand.

Contract
    kl_estimators(logp, logq) returns the tuple (k1, k2, k3): the
    per-sample estimators of KL(q || p) from "Approximating KL
    Divergence" (J. Schulman), for samples x ~ q:

        log r = logp - logq          r = p(x) / q(x)
        k1    = -log r               unbiased
        k2    = (log r)^2 / 2        biased, low variance
        k3    = (r - 1) - log r      unbiased, and never negative

    logp  log p(x), a floating tensor of any shape, e.g. (B, T)
          per-token log-probs under the policy p
    logq  log q(x), the same shape: the distribution the samples
          were drawn from

    Returns k1, k2, k3, each of the inputs' shape and dtype
    (float16, bfloat16, float32 or float64; both inputs share it),
    elementwise: no mean. The inputs must not be modified; the
    gradient must flow to logp and logq.

    Numerically: k3 >= 0 (up to rounding) and accurate also when
    log r is tiny (|log r| < 1e-3) and when the log-probs are
    around -1000 (exp(logp) is 0 there). For log r beyond what exp
    can hold (> ~88.7 in float32) k3 is +inf; it is never nan.

How it is graded: besides the outputs, the mean of k1 and of k3
over 20000 (and 30000) samples x ~ N(0, 1), with p a known
Gaussian, must be the exact KL(q || p) within 4 standard errors.

Not allowed: F.kl_div, torch.distributions.kl_divergence (anything
named kl_div).

Grade it:  handwrite check kl_estimators
"""

import torch


def kl_estimators(logp: torch.Tensor, logq: torch.Tensor):
    raise NotImplementedError
