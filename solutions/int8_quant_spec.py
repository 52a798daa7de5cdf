"""The int8 quantisation drill: cases, properties, hints and known mistakes."""

import torch

from handwrite.grader.compare import tolerance
from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.int8_quant import int8_quant

reference = int8_quant  # the name a mistake uses to call the reference (grader/selftest.py)

# Every x / scale of every case lies at least this far from a half (k + 0.5), so that x / s,
# x * (127 / absmax), float32 or float64, any correct way of dividing rounds to the same level.
MARGIN = 0.2


# --- properties: why an attempt is wrong, in words --------------------------------------------

def _true_scale(call):
    """The scale the contract says, in float64: the given one, else absmax / 127 per row."""
    x = call.args[0].double()  # (R, C)
    given = call.kwargs.get("scale")
    return x, (given.double() if given is not None else x.abs().amax(dim=-1) / 127)  # (R,)


def _slack(call, x, s):
    """What rounding x_hat to x's dtype may add: a few ulps of the row's largest level."""
    eps = tolerance(call.args[0].dtype).rtol
    return eps * (x.abs() + 127 * s[:, None]) + 1e-30  # (R, C)


def _near(got, want):
    """Equal up to the rounding of a low-precision dtype (bfloat16: 2^-8 relative)."""
    return (got - want).abs() <= 2.0**-7 * want.abs() + 1e-300


def _within_half_a_step(call, out, seen):
    _, scale, x_hat = out
    x, s = _true_scale(call)  # (R, C), (R,)
    err = (x - x_hat.double()).abs()  # (R, C)
    inside = x.abs() <= 127 * s[:, None]  # (R, C) no clamping needed
    slack = _slack(call, x, s)
    bad_in = inside & ~(err <= s[:, None] / 2 + slack)  # ~(<=): nan counts as bad
    sat = torch.sign(x) * 127 * s[:, None]  # (R, C) where saturated values must land
    bad_out = ~inside & ~((x_hat.double() - sat).abs() <= slack)
    if bool(bad_in.any()):
        r, c = (int(i) for i in bad_in.nonzero()[0])
        got_scale = scale.double().reshape(-1)  # (R,)
        per_tensor = x.abs().max() / 127
        if x.shape[0] > 1 and bool(_near(got_scale, per_tensor).all()) and not bool(
                _near(s, per_tensor).all()):
            why = T("every row got the tensor's scale, absmax(x) / 127: one scale for the "
                    "whole tensor leaves small rows only a few levels; take the absmax of "
                    "each row, x.abs().amax(dim=-1)",
                    zh="每一行用的都是整个张量的 scale，absmax(x) / 127：整个张量共用一个 "
                       "scale，数值小的行就只剩几个量化级了；要对每一行取 absmax，"
                       "x.abs().amax(dim=-1)")
        elif not bool(_near(got_scale[r], s[r])):
            why = both("scale[{r}] = {got:.6g}, but the contract's is {want:.6g} (the row's "
                       "absmax / 127, or the given scale), with no eps or clamp added",
                       "scale[{r}] = {got:.6g}，但约定的值是 {want:.6g}（该行的 absmax / 127，"
                       "或给定的 scale），不加 eps，也不 clamp", r=r,
                       got=float(got_scale[r]), want=float(s[r]))
        else:
            why = T("round to the NEAREST level, torch.round(x / scale): .to(torch.int8) "
                    "alone truncates toward zero",
                    zh="要舍入到最近的量化级，torch.round(x / scale)：单独用 .to(torch.int8) "
                       "是向零截断")
        return both("x_hat[{r}, {c}] = {got:.6g} is {err:.3g} from x = {x:.6g}, more than "
                    "half a step (scale / 2 = {half:.3g}): {why}",
                    "x_hat[{r}, {c}] = {got:.6g} 与 x = {x:.6g} 相差 {err:.3g}，超过了半个"
                    "量化步长（scale / 2 = {half:.3g}）：{why_zh}", r=r, c=c,
                    got=float(x_hat[r, c]), err=float(err[r, c]), x=float(x[r, c]),
                    half=float(s[r] / 2), why=str(why), why_zh=why.zh)
    if bool(bad_out.any()):
        r, c = (int(i) for i in bad_out.nonzero()[0])
        return both("x[{r}, {c}] = {x:.6g} lies beyond 127 * scale = {lim:.6g}, so it must "
                    "saturate at x_hat = {want:.6g}, got {got:.6g}: clamp round(x / scale) to "
                    "[-127, 127] before the int8 cast, which wraps around instead",
                    "x[{r}, {c}] = {x:.6g} 超出了 127 * scale = {lim:.6g}，应饱和到 x_hat = "
                    "{want:.6g}，实际为 {got:.6g}：转 int8 之前要把 round(x / scale) clamp 到 "
                    "[-127, 127]，否则转换时会回绕", r=r, c=c, x=float(x[r, c]),
                    lim=float(127 * s[r]), want=float(sat[r, c]), got=float(x_hat[r, c]))
    return None


def _symmetric_range(call, out, seen):
    q = out[0].long()
    if q.numel() == 0 or (int(q.min()) >= -127 and int(q.max()) <= 127):
        return None
    return both("q reaches {lo}..{hi}: symmetric int8 uses [-127, 127] only, so that +absmax "
                "and -absmax both map to a level (scale = absmax / 127, not / 128)",
                "q 的范围到了 {lo}..{hi}：对称 int8 只用 [-127, 127]，这样 +absmax 和 -absmax "
                "都正好落在量化级上（scale = absmax / 127，不是 / 128）",
                lo=int(q.min()), hi=int(q.max()))


def _zero_rows_stay_zero(call, out, seen):
    q, scale, x_hat = out
    zero = (call.args[0] == 0).all(dim=-1)  # (R,)
    for r in zero.nonzero().flatten().tolist():
        row_ok = (bool((q[r] == 0).all()) and bool((x_hat[r] == 0).all())
                  and bool(scale[r] == 0))
        if not row_ok:
            bad = "nan" if bool(x_hat[r].isnan().any() | scale[r].isnan()) else "nonzero"
            return both("row {r} is all zeros, but q, scale or x_hat has {bad} values there: "
                        "absmax 0 gives scale 0, and divide by 1 instead (torch.where(scale > "
                        "0, scale, 1)) so that q = 0 and x_hat = 0 without a 0 / 0",
                        "第 {r} 行全是 0，但 q、scale 或 x_hat 在这一行出现了 {bad_zh}：absmax "
                        "为 0 时 scale 为 0，除法改为除以 1（torch.where(scale > 0, scale, 1)），"
                        "这样 q = 0、x_hat = 0，也不会出现 0 / 0", r=r, bad=bad,
                        bad_zh="nan" if bad == "nan" else "非零值")
    return None


ROUND_TRIP = Property(T("|x - x_hat| <= scale / 2 (saturated values: at +-127 * scale)",
                        zh="|x - x_hat| <= scale / 2（饱和的值：落在 +-127 * scale）"),
                      "numerics", _within_half_a_step)
RANGE = Property(T("q stays in [-127, 127]", zh="q 在 [-127, 127] 之内"), "numerics",
                 _symmetric_range)
ZERO_ROWS = Property(T("zero rows: scale 0, q 0, x_hat 0, no nan",
                       zh="全零行：scale 为 0、q 为 0、x_hat 为 0，没有 nan"), "numerics",
                     _zero_rows_stay_zero)
CHECKS = (ROUND_TRIP, RANGE)


# --- cases ------------------------------------------------------------------------------------

def _away_from_halves(x, s, dtype):
    """x (R, C) in ``dtype``, s (R,) float64: every x / s within MARGIN of a half (and not
    saturated) is moved onto its level k * s, rounded to dtype, until none is left."""
    for _ in range(20):
        xd = x.double()  # (R, C)
        r = xd / torch.where(s > 0, s, torch.ones_like(s))[:, None]  # (R, C)
        frac = r - r.floor()  # (R, C)
        near = ((frac - 0.5).abs() < MARGIN) & (r.abs() < 127)  # (R, C)
        if not bool(near.any()):
            return x
        x = torch.where(near, r.round() * s[:, None], xd).to(dtype)
    raise AssertionError("could not move every x / scale away from the halves")


def _rows(scale=1.0, zero_rows=(), calibrated=False, outlier=False, noncontiguous=False):
    """x (R, C): rows of very different magnitudes (so one scale for all is wrong); with
    calibrated, a scale (R,) from 0.55 to 1.3 times absmax / 127 (float16/bfloat16: 0.5, 1
    or 2 times), so that some rows saturate."""
    def build(r, d):
        x = torch.randn(d.R, d.C, generator=r.gen, dtype=torch.float64)  # (R, C)
        spread = torch.empty(d.R, 1, dtype=torch.float64).uniform_(-2.0, 2.0, generator=r.gen)
        x = x * spread.exp() * scale  # (R, C) each row its own magnitude
        if outlier:
            x[:, d.C // 2] *= 10  # one large column: a typical activation outlier
        for z in zero_rows:
            x[z] = 0
        if r.dtype in (torch.float16, torch.bfloat16):
            # Each row's absmax set to 127 * 2^k: then absmax / 127 = 2^k is exact in any
            # dtype, so dividing by the scale rounded to x's dtype or by the float32 one gives
            # the same q, and so does multiplying by 127 / absmax.
            amax = x.abs().amax(dim=-1)  # (R,)
            top = x.abs().argmax(dim=-1)  # (R,)
            pow2 = torch.exp2(torch.round(torch.log2(amax / 127)))  # (R,)
            x = x.clamp(-127 * pow2[:, None], 127 * pow2[:, None])  # (R, C)
            x[torch.arange(d.R), top] = 127 * pow2 * torch.sign(x[torch.arange(d.R), top])
        x = x.to(r.dtype)
        if calibrated:
            f = torch.linspace(0.55, 1.3, d.R, dtype=torch.float64)  # (R,)
            f = f[torch.randperm(d.R, generator=r.gen)]  # rows below 1 saturate, in any order
            if r.dtype in (torch.float16, torch.bfloat16):  # a power of two, as above
                f = torch.exp2(torch.randint(-1, 2, (d.R,), generator=r.gen).double())
            given = (x.double().abs().amax(dim=-1) * f / 127).to(r.dtype)  # (R,)
            s = given.double()
        else:
            s = x.double().abs().amax(dim=-1) / 127  # (R,)
        x = _away_from_halves(x, s, r.dtype)
        if noncontiguous:
            x = x.t().contiguous().t()  # same values, column-major strides
        return Call((x,), {"scale": given} if calibrated else {})
    return build


def _case(name, category, dims, build, properties=CHECKS, **kw):
    return Case(name, category, dims, build, properties=properties, **kw)


CASES = (
    _case(T("every dim a distinct size (R, C)", zh="每个维度大小都不同 (R, C)"), "shape",
          dict(R=5, C=12), _rows()),
    _case(T("one row, R=1", zh="只有一行，R=1"), "shape", dict(R=1, C=9), _rows()),
    _case(T("one column, C=1: every value is its row's absmax",
            zh="只有一列，C=1：每个值都是所在行的 absmax"), "shape", dict(R=7, C=1), _rows()),
    _case(T("non-contiguous x", zh="非连续（non-contiguous）的 x"), "shape", dict(R=6, C=10),
          _rows(noncontiguous=True)),
    _case(T("rows of very different magnitudes", zh="各行量级相差很大"), "numerics",
          dict(R=8, C=16), _rows(scale=2.0)),
    _case(T("an outlier column", zh="有一列离群值"), "numerics", dict(R=6, C=20),
          _rows(outlier=True)),
    _case(T("all-zero rows", zh="全零的行"), "numerics", dict(R=6, C=11),
          _rows(zero_rows=(1, 4)), properties=CHECKS + (ZERO_ROWS,)),
    _case(T("every row zero", zh="所有行都是 0"), "numerics", dict(R=3, C=8),
          _rows(zero_rows=(0, 1, 2)), properties=CHECKS + (ZERO_ROWS,)),
    _case(T("calibrated scale: values beyond 127 * scale saturate",
            zh="给定校准 scale：超出 127 * scale 的值要饱和"), "numerics", dict(R=6, C=14),
          _rows(calibrated=True)),
    _case(T("float64", zh="float64"), "numerics", dict(R=4, C=13), _rows(scale=3.0),
          dtype=torch.float64),
    _case(T("float16", zh="float16"), "stability", dict(R=6, C=24), _rows(),
          dtype=torch.float16),
    _case(T("bfloat16", zh="bfloat16"), "stability", dict(R=6, C=24), _rows(),
          dtype=torch.bfloat16),
    _case(T("bfloat16, calibrated scale", zh="bfloat16，给定校准 scale"), "stability",
          dict(R=5, C=18), _rows(calibrated=True), dtype=torch.bfloat16),
    _case(T("values of magnitude 1e4", zh="量级为 1e4 的值"), "stability", dict(R=5, C=17),
          _rows(scale=1e4), magnitude=1e4),
    _case(T("tiny values, around 1e-12", zh="极小的值，约 1e-12"), "stability",
          dict(R=4, C=15), _rows(scale=1e-12)),
)


# --- known mistakes ---------------------------------------------------------------------------

def per_tensor_scale(x, scale=None):
    if scale is not None:
        return reference(x, scale)
    amax = x.float().abs().amax()  # the bug: one absmax for the whole tensor
    s = (amax / 127).expand(x.shape[0]).to(x.dtype)
    return reference(x, s)


def absmax_over_128(x, scale=None):
    xf = x.float()
    s = xf.abs().amax(dim=-1) / 128 if scale is None else scale.float()  # the bug: 128
    safe = torch.where(s > 0, s, torch.ones_like(s))
    q = torch.round(xf / safe[:, None]).clamp(-128, 127).to(torch.int8)  # and -128 used
    return q, s.to(x.dtype), (q.float() * s[:, None]).to(x.dtype)


def no_clamp(x, scale=None):
    xf = x.float()
    s = xf.abs().amax(dim=-1) / 127 if scale is None else scale.float()
    safe = torch.where(s > 0, s, torch.ones_like(s))
    q = torch.round(xf / safe[:, None]).to(torch.int8)  # the bug: 140 wraps to -116
    return q, s.to(x.dtype), (q.float() * s[:, None]).to(x.dtype)


def truncates_toward_zero(x, scale=None):
    xf = x.float()
    s = xf.abs().amax(dim=-1) / 127 if scale is None else scale.float()
    safe = torch.where(s > 0, s, torch.ones_like(s))
    q = (xf / safe[:, None]).clamp(-127, 127).to(torch.int8)  # the bug: no round: truncates
    return q, s.to(x.dtype), (q.float() * s[:, None]).to(x.dtype)


def scale_from_max(x, scale=None):
    if scale is not None:
        return reference(x, scale)
    s = x.float().amax(dim=-1) / 127  # the bug: max, not absmax: negative values ignored
    safe = torch.where(s > 0, s, torch.ones_like(s))
    q = torch.round(x.float() / safe[:, None]).clamp(-127, 127).to(torch.int8)
    return q, s.to(x.dtype), (q.float() * s[:, None]).to(x.dtype)


def zero_row_nan(x, scale=None):
    xf = x.float()
    s = xf.abs().amax(dim=-1) / 127 if scale is None else scale.float()
    levels = torch.round(xf / s[:, None]).clamp(-127, 127)  # the bug: 0 / 0 = nan in a zero row
    q = torch.nan_to_num(levels).to(torch.int8)
    return q, s.to(x.dtype), (levels * s[:, None]).to(x.dtype)


DRILL = Drill(
    id="int8_quant",
    title=T("Symmetric absmax int8 quantisation per row", zh="逐行对称 absmax int8 量化"),
    difficulty="easy",
    tags=("quantisation", "inference", "numerics"),
    minutes=8,
    entry="int8_quant",
    reference=int8_quant,
    cases=CASES,
    outputs=("q", "scale", "x_hat"),
    # round() has zero gradient almost everywhere: there is nothing to check (training
    # through a quantiser needs a straight-through estimator, another drill).
    differentiable=False,
    forbidden=("quantize",),
    aliases=("int8", "absmax-quant", "quantize", "quant"),
    hints=(
        T("Each row gets its own step size: the row's largest magnitude must map to the "
          "largest int8 level you use, symmetric around 0.",
          zh="每一行有自己的步长：该行绝对值最大的元素要映射到所用的最大 int8 量化级，"
             "关于 0 对称。"),
        T("scale = x.abs().amax(dim=-1) / 127 (or the given scale); q = round(x / scale) "
          "with torch.round, then clamp to [-127, 127] BEFORE .to(torch.int8): the cast wraps "
          "around instead of saturating.",
          zh="scale = x.abs().amax(dim=-1) / 127（或用给定的 scale）；q = round(x / scale)，"
             "用 torch.round，然后在 .to(torch.int8) 之前 clamp 到 [-127, 127]：类型转换不会"
             "饱和，而是回绕。"),
        T("A zero row has scale 0: divide by torch.where(scale > 0, scale, 1) instead, so q = "
          "0 there, and dequantise from q: x_hat = q * scale[:, None] gives 0, not nan.",
          zh="全零行的 scale 为 0：改为除以 torch.where(scale > 0, scale, 1)，这一行的 q 就是 "
             "0；再从 q 反量化：x_hat = q * scale[:, None] 得到 0，而不是 nan。"),
        T("Divide in float32 (x.float(), or float64 for float64 input) and return scale and "
          "x_hat in x's dtype: bfloat16 cannot hold 126.4.",
          zh="在 float32 下做除法（x.float()，float64 输入用 float64），scale 和 x_hat 按 x 的 "
             "dtype 返回：bfloat16 连 126.4 都表示不了。"),
    ),
    mistakes=(
        Mistake("per-tensor-scale",
                T("one scale for the whole tensor: each row needs its own, "
                  "x.abs().amax(dim=-1) / 127",
                  zh="整个张量只用了一个 scale：每一行要有自己的 scale，"
                     "x.abs().amax(dim=-1) / 127"), per_tensor_scale),
        Mistake("absmax-over-128",
                T("scale = absmax / 128 with q in [-128, 127]: +absmax no longer fits; "
                  "symmetric int8 is absmax / 127 with q in [-127, 127]",
                  zh="scale = absmax / 128 且 q 在 [-128, 127]：+absmax 放不下了；对称 int8 是 "
                     "absmax / 127，q 在 [-127, 127]"), absmax_over_128),
        Mistake("no-clamp",
                T("round(x / scale) is cast to int8 unclamped, so values beyond 127 * scale "
                  "wrap around (140 -> -116): clamp to [-127, 127] before .to(torch.int8)",
                  zh="round(x / scale) 没有 clamp 就转成了 int8，超出 127 * scale 的值会回绕"
                     "（140 -> -116）：在 .to(torch.int8) 之前 clamp 到 [-127, 127]"), no_clamp),
        Mistake("truncates-toward-zero",
                T("x / scale is cast to int8 without rounding, which truncates toward zero: "
                  "torch.round first",
                  zh="x / scale 没有舍入就转成了 int8，这是向零截断：先用 torch.round"),
                truncates_toward_zero),
        Mistake("scale-from-max",
                T("scale comes from x.amax(), the largest value, not the largest magnitude: "
                  "use x.abs().amax(dim=-1), or large negative values saturate",
                  zh="scale 取自 x.amax()，即最大值而不是最大绝对值：要用 x.abs().amax(dim=-1)，"
                     "否则绝对值大的负数会饱和"), scale_from_max),
        Mistake("zero-row-nan",
                T("a zero row divides 0 by scale 0, and nan reaches x_hat: divide by "
                  "torch.where(scale > 0, scale, 1) and dequantise from q",
                  zh="全零行做了 0 / 0，nan 进到了 x_hat：除以 torch.where(scale > 0, scale, 1)，"
                     "并从 q 反量化"), zero_row_nan),
    ),
)
