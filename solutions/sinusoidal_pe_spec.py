"""The sinusoidal positional encoding drill: cases, hints and known mistakes."""

import torch

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
    return (f"position 0 is ({shown}): it must be (0, 1, 0, 1, ...), sin 0 = 0 in the even "
            f"columns and cos 0 = 1 in the odd ones, interleaved column by column")


ROW0 = Property("position 0 is (0, 1, 0, 1, ...): sin in even columns, cos in odd",
                "numerics", _row0)


# Tolerances. The table's angles reach T - 1 radians, and an angle of size P is rounded to
# within eps * P: float32 angles stay inside float32's own tolerance up to T of a few dozen,
# and inside float16/bfloat16's 8 ulps up to T of many thousands. The float32 case with T =
# 2000 declares magnitude=T, the size of its angles, so that float32 angles pass there and
# float16 angles don't (see compare.tolerance).
CASES = (
    Case("every dim a distinct size (even d_model)", "shape", dict(T=5, d_model=8), _table(),
         properties=(ROW0,)),
    Case("odd d_model: the last column is a sin", "shape", dict(T=6, d_model=7), _table()),
    Case("T = 1: position 0 only", "shape", dict(T=1, d_model=6), _table()),
    Case("d_model = 1: a single sin column", "shape", dict(T=4, d_model=1), _table()),
    Case("dtype left out: float32", "shape", dict(T=3, d_model=10), _table(default_dtype=True)),
    Case("T = 20 and d_model = 16", "numerics", dict(T=20, d_model=16), _table()),
    Case("T = 12 and odd d_model = 11", "numerics", dict(T=12, d_model=11), _table()),
    Case("float64", "numerics", dict(T=16, d_model=10), _table(), dtype=torch.float64),
    Case("float64 with an odd d_model", "numerics", dict(T=9, d_model=13), _table(),
         dtype=torch.float64),
    Case("float16", "stability", dict(T=40, d_model=12), _table(), dtype=torch.float16),
    Case("bfloat16 with an odd d_model", "stability", dict(T=30, d_model=9), _table(),
         dtype=torch.bfloat16),
    # float16 holds integers up to 2048 but an angle of ~2000 only to within a radian;
    # bfloat16 can't hold the positions themselves (1001 -> 1000).
    Case("float16 with T = 2048", "stability", dict(T=2048, d_model=16), _table(),
         dtype=torch.float16),
    Case("bfloat16 with T = 1500 and odd d_model", "stability", dict(T=1500, d_model=7), _table(),
         dtype=torch.bfloat16),
    Case("float32 with T = 2000", "stability", dict(T=2000, d_model=12), _table(),
         magnitude=2000.0),
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
    title="Sinusoidal positional encoding",
    difficulty="easy",
    tags=("transformer", "positions"),
    minutes=8,
    entry="sinusoidal_pe",
    reference=sinusoidal_pe,
    cases=CASES,
    differentiable=False,  # a constant table: nothing to differentiate
    aliases=("sinusoidal", "positional-encoding", "sinusoidal-positional-encoding", "pe"),
    hints=(
        "Each position gets a row of waves: pairs of columns share a frequency, the first "
        "column of a pair is a sin and the second a cos, and the frequencies slow down "
        "across the columns.",
        "angles = pos[:, None] / 10000 ** (two_i / d_model), with pos = arange(T) and "
        "two_i = arange(0, d_model, 2), the even column indices: the exponent uses 2i, "
        "counted once.",
        "pe = torch.zeros(T, d_model, device=device); pe[:, 0::2] = sin(angles); "
        "pe[:, 1::2] = cos(angles). With an odd d_model there is one odd column fewer than "
        "angles: cos(angles[:, :d_model // 2]).",
        "Compute in float32 (float64 for a float64 table) and only then .to(dtype): in "
        "float16 an angle of ~2000 is off by a radian, and bfloat16 can't hold position 1001.",
    ),
    mistakes=(
        Mistake("sin-cos-swapped",
                "the even columns hold cos and the odd ones sin: PE[:, 0::2] is the sin, "
                "PE[:, 1::2] the cos", sin_cos_swapped),
        Mistake("exponent-doubled",
                "the exponent is 2j / d_model with j already the even column index, i.e. "
                "4i / d_model: use 10000 ** (j / d_model) for j in arange(0, d_model, 2)",
                exponent_doubled),
        Mistake("exponent-halved",
                "the exponent is i / d_model with i the pair index 0, 1, 2, ...: it is "
                "2i / d_model, i.e. arange(0, d_model, 2) / d_model", exponent_halved),
        Mistake("sin-block-then-cos-block",
                "all the sins come first and all the cosines after: interleave them, "
                "PE[:, 0::2] = sin and PE[:, 1::2] = cos", sin_block_then_cos_block),
        Mistake("positions-from-one",
                "positions run 1 ... T: they start at 0, torch.arange(T), so row 0 is "
                "(0, 1, 0, 1, ...)", positions_from_one),
    ),
)
