"""The KL estimators drill: cases, properties, hints and known mistakes."""

import math

import torch

from handwrite.grader.compare import tolerance
from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.kl_estimators import kl_estimators

reference = kl_estimators  # the name a mistake uses to call the reference (selftest.py)

LOG_2PI = math.log(2 * math.pi)


# --- properties: why an attempt is wrong, in words --------------------------------------------

def _k3_never_negative(call, out, seen):
    k3 = out[2].double()
    if bool(k3.isnan().any()):
        return both("k3 has {n} nan: log r stays finite here, so must k3",
                    "k3 中有 {n} 个 nan：这里 log r 都是有限值，k3 也必须是",
                    n=int(k3.isnan().sum()))
    low = float(k3.min())
    # exp(log r) - log r - 1 (as TRL writes it) rounds to a hair below 0 when log r is tiny:
    # that is rounding, not a wrong estimator, so the dtype's own tolerance is allowed.
    if low >= -tolerance(out[2].dtype).atol:
        return None
    return both("k3 = {low:.3g} < 0: (r - 1) - log r is never negative, since log r <= r - 1 "
                "(check the sign of log r and that r = p / q)",
                "k3 = {low:.3g} < 0：因为 log r <= r - 1，(r - 1) - log r 不可能为负"
                "（检查 log r 的符号，以及 r = p / q）", low=low)


K3_NONNEGATIVE = Property(T("k3 >= 0 everywhere", zh="k3 处处 >= 0"), "numerics",
                          _k3_never_negative)


def _gauss_kl(mu, s):
    """KL(q || p) for q = N(0, 1), p = N(mu, s^2)."""
    return math.log(s) + (1 + mu * mu) / (2 * s * s) - 0.5


def _unbiased(mu, s, sigmas=4.0):
    """k1 and k3 averaged over the case's samples x ~ q must land within `sigmas` standard
    errors of the analytic KL(q || p): both are unbiased."""
    want, other = _gauss_kl(mu, s), math.log(1 / s) + (s * s + mu * mu) / 2 - 0.5  # KL(p || q)

    def test(call, out, seen):
        problems = []
        for name, k in (("k1", out[0]), ("k3", out[2])):
            k = k.double().flatten()
            mean, se = float(k.mean()), float(k.std()) / math.sqrt(k.numel())
            if abs(mean - want) <= sigmas * se + 1e-12:
                continue
            if abs(mean + want) <= sigmas * se:
                why = both("{name} averages to -KL: the ratio is inverted, r = p(x) / q(x), "
                           "log r = logp - logq",
                           "{name} 的均值是 -KL：比值取反了，r = p(x) / q(x)，"
                           "log r = logp - logq", name=name)
            elif abs(mean - other) <= sigmas * se:
                why = both("{name} averages to KL(p || q) = {o:.4f}, the other direction: the "
                           "samples come from q, and (r - 1) - log r estimates KL(q || p)",
                           "{name} 的均值是 KL(p || q) = {o:.4f}，方向反了：样本来自 q，"
                           "(r - 1) - log r 估计的是 KL(q || p)", name=name, o=other)
            else:
                why = both("{name} averages to {mean:.4f} +- {se:.2g}, but KL(q || p) = "
                           "{want:.4f}: {name} is unbiased, its mean must match",
                           "{name} 的均值是 {mean:.4f} ± {se:.2g}，但 KL(q || p) = {want:.4f}："
                           "{name} 是无偏的，均值必须吻合", name=name, mean=mean, se=se,
                           want=want)
            problems.append(why)
        if not problems:
            return None
        return both("{en}", "{zh}", en="; ".join(problems), zh="；".join(p.zh for p in problems))
    return test


# --- cases ------------------------------------------------------------------------------------

def _logps(*dims, center=-3.0, spread=1.0, log_ratio=0.5, noncontiguous=False):
    """logq around `center` (the log-prob of a sampled token), logp = logq + a log-ratio of
    size `log_ratio` (log_ratio may be a (low, high) pair: uniform between)."""
    def build(r, d):
        shape = [getattr(d, n) for n in dims]
        if noncontiguous:
            shape[-1], shape[-2] = shape[-2], shape[-1]
        g = r.gen
        logq = center + spread * torch.randn(shape, generator=g, dtype=torch.float64)
        if isinstance(log_ratio, tuple):
            low, high = log_ratio
            size = low + (high - low) * torch.rand(shape, generator=g, dtype=torch.float64)
            sign = torch.where(torch.rand(shape, generator=g) < 0.5, -1.0, 1.0)
            lr = sign.double() * size
        else:
            lr = log_ratio * torch.randn(shape, generator=g, dtype=torch.float64)
        logp, logq = (logq + lr).to(r.dtype), logq.to(r.dtype)
        if noncontiguous:
            logp, logq = logp.transpose(-1, -2), logq.transpose(-1, -2)
        return Call((logp, logq))
    return build


def _gaussians(mu, s):
    """N samples x ~ q = N(0, 1), with logq = log q(x) and logp = log p(x), p = N(mu, s^2)."""
    def build(r, d):
        x = torch.randn(d.N, generator=r.gen, dtype=torch.float64)  # (N,)
        logq = -0.5 * x * x - 0.5 * LOG_2PI  # (N,)
        logp = -0.5 * ((x - mu) / s) ** 2 - math.log(s) - 0.5 * LOG_2PI  # (N,)
        return Call((logp.to(r.dtype), logq.to(r.dtype)))
    return build


def _same(*dims):
    def build(r, d):
        logq = -3.0 + torch.randn([getattr(d, n) for n in dims], generator=r.gen,
                                  dtype=torch.float64)
        return Call((logq.to(r.dtype), logq.to(r.dtype).clone()))
    return build


def _case(name, category, dims, build, more=(), **kw):
    return Case(name, category, dims, build, properties=(K3_NONNEGATIVE, *more), **kw)


CASES = (
    _case(T("every dim a distinct size (B, T)", zh="每个维度大小都不同 (B, T)"), "shape",
          dict(B=3, T=7), _logps("B", "T")),
    _case(T("1-D samples (N,)", zh="一维样本 (N,)"), "shape", dict(N=11), _logps("N")),
    _case(T("batch of 1, extra dims (B, G, T)", zh="批大小为 1，多几个维度 (B, G, T)"),
          "shape", dict(B=1, G=4, T=6), _logps("B", "G", "T")),
    _case(T("non-contiguous log-probs", zh="非连续（non-contiguous）的对数概率"), "shape",
          dict(B=5, T=9), _logps("B", "T", noncontiguous=True)),
    _case(T("random log-probs, gradient", zh="随机对数概率，梯度"), "numerics",
          dict(B=4, T=10), _logps("B", "T", log_ratio=1.0), grad=True),
    _case(T("x ~ N(0, 1), p = N(0.5, 0.8^2): k1 and k3 are unbiased",
            zh="x ~ N(0, 1)，p = N(0.5, 0.8^2)：k1 和 k3 无偏"), "numerics", dict(N=20000),
          _gaussians(0.5, 0.8), more=(Property(
              T("mean of k1 and of k3 = KL(q || p) = 0.2534, within 4 standard errors",
                zh="k1 和 k3 的均值 = KL(q || p) = 0.2534，误差在 4 个标准误以内"),
              "numerics", _unbiased(0.5, 0.8)),)),
    _case(T("x ~ N(0, 1), p = N(0.1, 0.95^2): p close to q, k1 and k3 are unbiased",
            zh="x ~ N(0, 1)，p = N(0.1, 0.95^2)：p 与 q 很接近，k1 和 k3 无偏"), "numerics",
          dict(N=30000), _gaussians(0.1, 0.95), more=(Property(
              T("mean of k1 and of k3 = KL(q || p) = 0.0083, within 4 standard errors",
                zh="k1 和 k3 的均值 = KL(q || p) = 0.0083，误差在 4 个标准误以内"),
              "numerics", _unbiased(0.1, 0.95)),)),
    _case(T("p = q: every estimator is 0", zh="p = q：每个估计量都是 0"), "numerics",
          dict(B=6, T=5), _same("B", "T")),
    _case(T("float64, gradient", zh="float64，梯度"), "numerics", dict(B=3, T=8),
          _logps("B", "T", log_ratio=1.5), dtype=torch.float64, grad=True),
    _case(T("p close to q (|log r| < 1e-3) on likely tokens (q ~ 0.95)",
            zh="p 与 q 很接近（|log r| < 1e-3），且 token 概率很高（q ~ 0.95）"),
          "stability", dict(B=8, T=50),
          _logps("B", "T", center=-0.05, spread=0.01, log_ratio=(1e-7, 1e-3))),
    _case(T("large ratios: |log r| up to 80", zh="比值很大：|log r| 最大到 80"), "stability",
          dict(B=4, T=9), _logps("B", "T", log_ratio=(20.0, 80.0)), magnitude=80.0),
    _case(T("log-probs of long sequences, around -1000",
            zh="长序列的对数概率，在 -1000 附近"), "stability", dict(B=5, T=6),
          _logps("B", "T", center=-1000.0, spread=100.0, log_ratio=2.0), magnitude=1e3),
    _case(T("float16", zh="float16"), "stability", dict(B=4, T=12),
          _logps("B", "T", log_ratio=1.0), dtype=torch.float16),
    _case(T("bfloat16", zh="bfloat16"), "stability", dict(B=4, T=12),
          _logps("B", "T", log_ratio=1.0), dtype=torch.bfloat16),
)


# --- known mistakes ---------------------------------------------------------------------------

def ratio_inverted(logp, logq):
    log_r = logq.float() - logp.float()  # the bug: log(q / p), not log(p / q)
    k1, k2, k3 = -log_r, 0.5 * log_r ** 2, torch.expm1(log_r) - log_r
    return k1.to(logp.dtype), k2.to(logp.dtype), k3.to(logp.dtype)


def k2_missing_half(logp, logq):
    k1, _, k3 = reference(logp, logq)
    log_r = logp.float() - logq.float()
    return k1, (log_r ** 2).to(logp.dtype), k3  # the bug: no 1/2


def k3_log_sign_flipped(logp, logq):
    k1, k2, _ = reference(logp, logq)
    log_r = logp.float() - logq.float()
    return k1, k2, (torch.expm1(log_r) + log_r).to(logp.dtype)  # the bug: + log r


def kl_direction_reversed(logp, logq):
    k1, k2, _ = reference(logp, logq)
    log_r = logp.float() - logq.float()
    r = torch.exp(log_r)
    # the bug: r log r - (r - 1) estimates KL(p || q), not KL(q || p), from samples of q
    return k1, k2, (r * log_r - torch.expm1(log_r)).to(logp.dtype)


def ratio_of_probabilities(logp, logq):
    k1, k2, _ = reference(logp, logq)
    log_r = logp.float() - logq.float()
    r = logp.float().exp() / logq.float().exp()  # the bug: exp(-1000) = 0, so 0 / 0 = nan
    return k1, k2, ((r - 1) - log_r).to(logp.dtype)


DRILL = Drill(
    id="kl_estimators",
    title=T("KL estimators k1, k2, k3 (Schulman)", zh="KL 估计量 k1、k2、k3（Schulman）"),
    difficulty="easy",
    tags=("alignment", "rlhf", "probability"),
    minutes=8,
    entry="kl_estimators",
    reference=kl_estimators,
    cases=CASES,
    outputs=("k1", "k2", "k3"),
    forbidden=("kl_div",),
    aliases=("kl", "kl-estimators", "k3"),
    hints=(
        T("Everything is a function of one number per sample, log r = log p(x) - log q(x). The "
          "samples come from q, so E_q[-log r] is KL(q || p).",
          zh="一切都只取决于每个样本的一个数：log r = log p(x) - log q(x)。样本来自 q，"
             "所以 E_q[-log r] 就是 KL(q || p)。"),
        T("k1 = -log r, k2 = (log r)^2 / 2, k3 = (r - 1) - log r. k3 adds r - 1, whose mean "
          "under q is 0, so it stays unbiased, and log r <= r - 1 makes it >= 0.",
          zh="k1 = -log r，k2 = (log r)^2 / 2，k3 = (r - 1) - log r。k3 加上了 r - 1，"
             "它在 q 下的期望是 0，所以仍然无偏；又因为 log r <= r - 1，k3 >= 0。"),
        T("Stay in log space: exp(logp) / exp(logq) is 0 / 0 for long sequences. And "
          "exp(log_r) - 1 cancels when log r is tiny: torch.expm1(log_r) - log_r is exact "
          "enough to stay >= 0.",
          zh="留在对数空间里算：长序列时 exp(logp) / exp(logq) 是 0 / 0。log r 很小时 "
             "exp(log_r) - 1 会相减抵消：torch.expm1(log_r) - log_r 足够精确，"
             "保证结果 >= 0。"),
        T("For float16/bfloat16, compute in float32 and cast the three outputs back to the "
          "input's dtype.",
          zh="float16/bfloat16 时用 float32 计算，三个输出都转回输入的 dtype。"),
    ),
    mistakes=(
        Mistake("ratio-inverted",
                T("r is q / p: for KL(q || p) from samples of q, r = p(x) / q(x), "
                  "log r = logp - logq",
                  zh="r 取成了 q / p：用 q 的样本估计 KL(q || p) 时，r = p(x) / q(x)，"
                     "log r = logp - logq"), ratio_inverted),
        Mistake("k2-missing-half",
                T("k2 is (log r)^2: it is (log r)^2 / 2",
                  zh="k2 写成了 (log r)^2：应为 (log r)^2 / 2"), k2_missing_half),
        Mistake("k3-log-sign-flipped",
                T("k3 = (r - 1) + log r: it is (r - 1) - log r, which is never negative",
                  zh="k3 = (r - 1) + log r：应为 (r - 1) - log r，它永远不会为负"),
                k3_log_sign_flipped),
        Mistake("kl-direction-reversed",
                T("k3 = r log r - (r - 1) estimates KL(p || q): from samples of q, "
                  "KL(q || p) is estimated by (r - 1) - log r",
                  zh="k3 = r log r - (r - 1) 估计的是 KL(p || q)：用 q 的样本估计 "
                     "KL(q || p) 应该用 (r - 1) - log r"), kl_direction_reversed),
        Mistake("ratio-of-probabilities",
                T("r = exp(logp) / exp(logq) is 0 / 0 = nan once the log-probs are around "
                  "-1000: r = exp(logp - logq), or better torch.expm1(log_r) for r - 1",
                  zh="对数概率在 -1000 附近时 r = exp(logp) / exp(logq) 就是 0 / 0 = nan："
                     "应为 r = exp(logp - logq)，r - 1 最好用 torch.expm1(log_r)"),
                ratio_of_probabilities),
    ),
)
