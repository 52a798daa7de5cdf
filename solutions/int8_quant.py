"""Symmetric absmax int8 quantisation per row, and back: the reference that
`handwrite check int8_quant` grades against."""

import torch


def int8_quant(x: torch.Tensor, scale: torch.Tensor | None = None):
    """x (R, C) -> (q, scale, x_hat): q (R, C) int8 in [-127, 127], scale (R,) and x_hat
    (R, C) in x's dtype, with one scale per row.

    scale = absmax(row) / 127, unless a calibrated scale (R,) is given (then values beyond
    127 * scale saturate at +-127). q = clamp(round(x / scale), -127, 127), rounding half to
    even (torch.round); x_hat = q * scale. A row of zeros gets scale 0, q 0 and x_hat 0.
    """
    # bfloat16 has 8 significant bits: it cannot even hold 126.4, so x / scale would land on
    # the wrong level. Divide in float32 at least.
    work = torch.promote_types(x.dtype, torch.float32)
    xf = x.to(work)  # (R, C)
    if scale is None:
        # One scale per row: an outlier in one row would otherwise crush every other row's
        # values into a handful of levels.
        amax = xf.abs().amax(dim=-1)  # (R,) absmax: the most negative value counts too
        # 127, not 128: symmetric, so +absmax and -absmax both land on a level (+-127), and
        # -128 is never used.
        s = amax / 127  # (R,)
    else:
        # A calibrated scale (from other data): this row's values may lie beyond 127 * s.
        s = scale.to(work)  # (R,)
    # A row of zeros has scale 0: divide by 1 there instead (its q is 0 either way), so that
    # no 0 / 0 = nan reaches the int8 cast, where nan has no value.
    safe = torch.where(s > 0, s, torch.ones_like(s))  # (R,)
    # Clamp BEFORE the cast: an out-of-range float does not saturate in .to(torch.int8), it
    # wraps around (140 becomes -116).
    q = torch.round(xf / safe[:, None]).clamp(-127, 127).to(torch.int8)  # (R, C)
    # Dequantise from the int8 values, so x_hat is exactly what a consumer of (q, scale)
    # sees; a zero row gives 0 * 0 = 0.
    x_hat = q.to(work) * s[:, None]  # (R, C)
    return q, s.to(x.dtype), x_hat.to(x.dtype)
