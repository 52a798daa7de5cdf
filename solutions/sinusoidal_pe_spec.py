"""The sinusoidal positional encoding drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T, both
from handwrite.grader.spec import DEVICE, Call, Case, Drill, Mistake, Property
from handwrite.solutions.sinusoidal_pe import sinusoidal_pe

reference = sinusoidal_pe  # the name a mistake uses to call the reference (see grader/selftest.py)


def _table(default_dtype=False):
    """sinusoidal_pe(T, d_model, device=<the device under test>, dtype=<the case's dtype>);
    default_dtype: leave dtype out, the contract's float32."""
    def build(r, d):
        kwargs = {"device": DEVICE} if default_dtype else {"device": DEVICE, "dtype": r.dtype}
        return Call((d.T, d.d_model), kwargs)
    return build


def _row0(call, pe, seen):
    # sin 0 = 0 in the even columns, cos 0 = 1 in the odd ones
    want = (torch.arange(pe.shape[1]) % 2).double()  # (d_model,): 0, 1, 0, 1, ...
    got = pe[0].double()  # (d_model,)
    if torch.allclose(got, want, atol=1e-3, rtol=0):
        return None
    shown = ", ".join(f"{v:.3g}" for v in got[:6].tolist()) + (", ..." if len(got) > 6 else "")
    return both("position 0 is ({shown}): it must be (0, 1, 0, 1, ...), sin 0 = 0 in the "
                "even columns and cos 0 = 1 in the odd ones, interleaved column by column",
                "位置 0 是 ({shown})：应为 (0, 1, 0, 1, ...)，偶数列 sin 0 = 0，奇数列 "
                "cos 0 = 1，逐列交错", shown=shown)


ROW0 = Property(T("position 0 is (0, 1, 0, 1, ...): sin in even columns, cos in odd",
                  zh="位置 0 为 (0, 1, 0, 1, ...)：偶数列是 sin，奇数列是 cos"),
                "numerics", _row0)


# Tolerances. The table's angles reach T - 1 radians, and an angle of size P is rounded to
# within eps * P: float32 angles stay inside float32's own tolerance up to T of a few dozen,
# and inside float16/bfloat16's 8 ulps up to T of many thousands. The float32 case with T =
# 2000 declares magnitude=T, the size of its angles, so that float32 angles pass there and
# float16 angles don't (see compare.tolerance).
CASES = (
    Case(T("every dim a distinct size (even d_model)", zh="每个维度大小都不同（d_model 为偶数）"),
         "shape", dict(T=5, d_model=8), _table(), properties=(ROW0,)),
    Case(T("odd d_model: the last column is a sin", zh="d_model 为奇数：最后一列是 sin"),
         "shape", dict(T=6, d_model=7), _table()),
    Case(T("T = 1: position 0 only", zh="T = 1：只有位置 0"), "shape", dict(T=1, d_model=6),
         _table()),
    Case(T("d_model = 1: a single sin column", zh="d_model = 1：只有一列 sin"), "shape",
         dict(T=4, d_model=1), _table()),
    Case(T("dtype left out: float32", zh="不传 dtype：默认 float32"), "shape",
         dict(T=3, d_model=10), _table(default_dtype=True)),
    Case(T("T = 20 and d_model = 16", zh="T = 20，d_model = 16"), "numerics",
         dict(T=20, d_model=16), _table()),
    Case(T("T = 12 and odd d_model = 11", zh="T = 12，d_model = 11（奇数）"), "numerics",
         dict(T=12, d_model=11), _table()),
    Case(T("float64", zh="float64"), "numerics", dict(T=16, d_model=10), _table(),
         dtype=torch.float64),
    Case(T("float64 with an odd d_model", zh="float64，d_model 为奇数"), "numerics",
         dict(T=9, d_model=13), _table(), dtype=torch.float64),
    Case(T("float16", zh="float16"), "stability", dict(T=40, d_model=12), _table(),
         dtype=torch.float16),
    Case(T("bfloat16 with an odd d_model", zh="bfloat16，d_model 为奇数"), "stability",
         dict(T=30, d_model=9), _table(), dtype=torch.bfloat16),
    # float16 holds integers up to 2048 but an angle of ~2000 only to within a radian;
    # bfloat16 can't hold the positions themselves (1001 -> 1000).
    Case(T("float16 with T = 2048", zh="float16，T = 2048"), "stability",
         dict(T=2048, d_model=16), _table(), dtype=torch.float16),
    Case(T("bfloat16 with T = 1500 and odd d_model", zh="bfloat16，T = 1500，d_model 为奇数"),
         "stability", dict(T=1500, d_model=7), _table(), dtype=torch.bfloat16),
    Case(T("float32 with T = 2000", zh="float32，T = 2000"), "stability",
         dict(T=2000, d_model=12), _table(), magnitude=2000.0),
)


# --- known mistakes --------------------------------------------------------------------------

def sin_cos_swapped(T, d_model, device=None, dtype=torch.float32):
    work = torch.float64 if dtype == torch.float64 else torch.float32
    pos = torch.arange(T, device=device, dtype=work)[:, None]
    angles = pos * 10000.0 ** (-torch.arange(0, d_model, 2, device=device, dtype=work) / d_model)
    pe = torch.zeros(T, d_model, device=device, dtype=work)
    pe[:, 0::2] = angles.cos()  # the bug: cos in the even columns
    pe[:, 1::2] = angles[:, : d_model // 2].sin()  # and sin in the odd ones
    return pe.to(dtype)


def exponent_doubled(T, d_model, device=None, dtype=torch.float32):
    # the bug: for j in range(0, d_model, 2): 10000 ** (2 * j / d_model) - j is already the
    # even column index 2i, so the exponent is 4i / d_model and the waves slow down twice as
    # fast across the columns
    work = torch.float64 if dtype == torch.float64 else torch.float32
    pos = torch.arange(T, device=device, dtype=work)[:, None]
    j = torch.arange(0, d_model, 2, device=device, dtype=work)
    angles = pos * 10000.0 ** (-2 * j / d_model)
    pe = torch.zeros(T, d_model, device=device, dtype=work)
    pe[:, 0::2] = angles.sin()
    pe[:, 1::2] = angles[:, : d_model // 2].cos()
    return pe.to(dtype)


def exponent_halved(T, d_model, device=None, dtype=torch.float32):
    # the bug: 10000 ** (i / d_model) with i the pair's index 0, 1, 2, ..., not 2i
    work = torch.float64 if dtype == torch.float64 else torch.float32
    pos = torch.arange(T, device=device, dtype=work)[:, None]
    i = torch.arange((d_model + 1) // 2, device=device, dtype=work)
    angles = pos * 10000.0 ** (-i / d_model)
    pe = torch.zeros(T, d_model, device=device, dtype=work)
    pe[:, 0::2] = angles.sin()
    pe[:, 1::2] = angles[:, : d_model // 2].cos()
    return pe.to(dtype)


def sin_block_then_cos_block(T, d_model, device=None, dtype=torch.float32):
    # the bug: [sin of every frequency, cos of every frequency] side by side (tensor2tensor's
    # layout), not interleaved column by column
    pe = reference(T, d_model, device, torch.float64)
    return torch.cat([pe[:, 0::2], pe[:, 1::2]], dim=-1).to(dtype)


def positions_from_one(T, d_model, device=None, dtype=torch.float32):
    # the bug: positions 1 ... T (a loop over range(1, T + 1)), so no row is position 0
    return reference(T + 1, d_model, device, torch.float64)[1:].to(dtype)


DRILL = Drill(
    id="sinusoidal_pe",
    title=T("Sinusoidal positional encoding", zh="正弦位置编码"),
    difficulty="easy",
    tags=("transformer", "positions"),
    minutes=8,
    entry="sinusoidal_pe",
    reference=sinusoidal_pe,
    cases=CASES,
    differentiable=False,  # a constant table: nothing to differentiate
    aliases=("sinusoidal", "positional-encoding", "sinusoidal-positional-encoding", "pe"),
    hints=(
        T("Each position gets a row of waves: pairs of columns share a frequency, the first "
          "column of a pair is a sin and the second a cos, and the frequencies slow down "
          "across the columns.",
          zh="每个位置对应一行正弦波：相邻两列为一对，共用一个频率，一对中第一列是 sin、"
             "第二列是 cos；越往后的列，频率越低。"),
        T("angles = pos[:, None] / 10000 ** (two_i / d_model), with pos = arange(T) and "
          "two_i = arange(0, d_model, 2), the even column indices: the exponent uses 2i, "
          "counted once.",
          zh="angles = pos[:, None] / 10000 ** (two_i / d_model)，其中 pos = arange(T)，"
             "two_i = arange(0, d_model, 2) 是偶数列的下标：指数里用的是 2i，2 只乘一次。"),
        T("pe = torch.zeros(T, d_model, device=device); pe[:, 0::2] = sin(angles); "
          "pe[:, 1::2] = cos(angles). With an odd d_model there is one odd column fewer than "
          "angles: cos(angles[:, :d_model // 2]).",
          zh="pe = torch.zeros(T, d_model, device=device)；pe[:, 0::2] = sin(angles)；"
             "pe[:, 1::2] = cos(angles)。d_model 为奇数时，奇数列比角度少一个："
             "cos(angles[:, :d_model // 2])。"),
        T("Compute in float32 (float64 for a float64 table) and only then .to(dtype): in "
          "float16 an angle of ~2000 is off by a radian, and bfloat16 can't hold position "
          "1001.",
          zh="用 float32 计算（要 float64 的表就用 float64），最后才 .to(dtype)：float16 下"
             "约 2000 的角度会差出一个弧度，bfloat16 则连位置 1001 都表示不了。"),
    ),
    mistakes=(
        Mistake("sin-cos-swapped",
                T("the even columns hold cos and the odd ones sin: PE[:, 0::2] is the sin, "
                  "PE[:, 1::2] the cos",
                  zh="偶数列放了 cos、奇数列放了 sin：PE[:, 0::2] 应是 sin，PE[:, 1::2] "
                     "才是 cos"), sin_cos_swapped),
        Mistake("exponent-doubled",
                T("the exponent is 2j / d_model with j already the even column index, i.e. "
                  "4i / d_model: use 10000 ** (j / d_model) for j in arange(0, d_model, 2)",
                  zh="指数写成了 2j / d_model，而 j 本身已经是偶数列的下标，相当于 "
                     "4i / d_model：对 j in arange(0, d_model, 2) 应该用 "
                     "10000 ** (j / d_model)"),
                exponent_doubled),
        Mistake("exponent-halved",
                T("the exponent is i / d_model with i the pair index 0, 1, 2, ...: it is "
                  "2i / d_model, i.e. arange(0, d_model, 2) / d_model",
                  zh="指数写成了 i / d_model，其中 i 是配对序号 0, 1, 2, ...：应为 "
                     "2i / d_model，即 arange(0, d_model, 2) / d_model"), exponent_halved),
        Mistake("sin-block-then-cos-block",
                T("all the sins come first and all the cosines after: interleave them, "
                  "PE[:, 0::2] = sin and PE[:, 1::2] = cos",
                  zh="先放了全部 sin，再放全部 cos：应逐列交错，PE[:, 0::2] = sin，"
                     "PE[:, 1::2] = cos"), sin_block_then_cos_block),
        Mistake("positions-from-one",
                T("positions run 1 ... T: they start at 0, torch.arange(T), so row 0 is "
                  "(0, 1, 0, 1, ...)",
                  zh="位置取成了 1 ... T：位置应从 0 开始，torch.arange(T)，所以第 0 行是 "
                     "(0, 1, 0, 1, ...)"), positions_from_one),
    ),
)
