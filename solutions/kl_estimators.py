"""The k1, k2, k3 Monte Carlo estimators of KL(q || p) (Schulman, "Approximating KL
Divergence"), by hand: the reference that `handwrite check kl_estimators` grades against."""

import torch


def kl_estimators(logp: torch.Tensor, logq: torch.Tensor):
    """Per-sample estimators of KL(q || p) from samples x ~ q: logp = log p(x), logq = log q(x),
    any shape. With r = p(x) / q(x): k1 = -log r, k2 = (log r)^2 / 2, k3 = (r - 1) - log r.
    Returns (k1, k2, k3), each of the inputs' shape and dtype."""
    # float16/bfloat16 would round exp(log r) to 3 significant digits: float32 at least inside.
    work = torch.promote_types(logp.dtype, torch.float32)
    # The ratio stays in log space: p(x) and q(x) themselves underflow to 0 for the log-probs
    # of long sequences (exp(-1000) = 0), and 0 / 0 is nan. log r is all that is needed.
    log_r = logp.to(work) - logq.to(work)  # (...) log p(x) - log q(x), the samples come from q

    # k1 = log q(x) / p(x): unbiased, since E_q[-log r] is KL(q || p) itself, but each sample
    # can be negative and its variance is high.
    k1 = -log_r  # (...)
    # k2 = (log r)^2 / 2: biased (it is the f-divergence with f(r) = (log r)^2 / 2, which
    # only agrees with KL to second order), never negative, low variance when p is close to q.
    k2 = 0.5 * log_r.square()  # (...)
    # k3 = (r - 1) - log r: k1 plus (r - 1), a control variate with mean E_q[r] - 1 = 0, so it
    # is still unbiased; and since log r <= r - 1 it is never negative. expm1 computes r - 1
    # without the cancellation of exp(log r) - 1, which for |log r| < ~1e-3 in float32 loses
    # log r's digits and can make k3 come out slightly negative. expm1 is accurate to an ulp,
    # so expm1(x) >= x holds in float too and the subtraction can only round to >= 0.
    # For very large ratios (log r > ~88.7 in float32, ~709 in float64) r itself overflows and
    # k3 is +inf, the value rounded to the dtype; it is never nan for finite log-probs.
    k3 = torch.expm1(log_r) - log_r  # (...)

    dtype = logp.dtype
    return k1.to(dtype), k2.to(dtype), k3.to(dtype)
