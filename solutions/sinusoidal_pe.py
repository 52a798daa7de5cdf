"""The sinusoidal positional encoding of "Attention Is All You Need", written by hand: the
reference that `handwrite check sinusoidal_pe` grades against."""

import torch


def sinusoidal_pe(T: int, d_model: int, device=None,
                  dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The (T, d_model) table added to the embeddings of positions 0 ... T - 1.

    PE[pos, 2i] = sin(pos / 10000^(2i / d_model)), PE[pos, 2i + 1] = cos(the same angle).
    Column pairs (2i, 2i + 1) share one frequency; with an odd d_model the last column,
    d_model - 1, is a sin without its cos. Made on ``device``, returned in ``dtype``.
    Shape comments: n = ceil(d_model / 2), the number of frequencies.
    """
    # Positions reach T - 1 (thousands): float16 rounds an angle of ~2000 to a radian and
    # bfloat16 can't even hold position 1001. Compute in float32 (float64 for a float64 table:
    # not float64 always, which some devices lack) and round once, at the end.
    work = torch.float64 if dtype == torch.float64 else torch.float32
    pos = torch.arange(T, device=device, dtype=work)[:, None]  # (T, 1)
    # The exponent is 2i / d_model where 2i is the even column index: 0, 2, 4, ... So the
    # wavelengths 2*pi * 10000^(2i/d_model) grow geometrically from 2*pi to ~2*pi * 10000,
    # and every position gets a different mix of fast and slow waves.
    two_i = torch.arange(0, d_model, 2, device=device, dtype=work)  # (n,)
    inv_freq = 10000.0 ** (-two_i / d_model)  # (n,): 1 / 10000^(2i / d_model)
    angles = pos * inv_freq  # (T, n): broadcast, one angle per (position, frequency)

    pe = torch.zeros(T, d_model, device=device, dtype=work)  # (T, d_model)
    pe[:, 0::2] = angles.sin()  # (T, n): even columns, sin
    # Odd columns are one fewer than the frequencies when d_model is odd: the last frequency
    # has no cos column, so take the first d_model // 2 angles.
    pe[:, 1::2] = angles[:, : d_model // 2].cos()  # (T, d_model // 2): odd columns, cos
    return pe.to(dtype)  # (T, d_model)
