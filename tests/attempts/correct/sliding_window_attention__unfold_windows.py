import math

import torch
import torch.nn.functional as F


def sliding_window_attention(q, k, v, window):
    # Never builds the T x T scores: pad window - 1 slots before position 0, cut one window of
    # keys per query with unfold, and mask the padded slots (query i, slot s is key
    # i - window + 1 + s, which exists only when that is >= 0).
    dtype = q.dtype
    q, k, v = q.float(), k.float(), v.float()
    T = q.size(-2)
    kw = F.pad(k, (0, 0, window - 1, 0)).unfold(-2, window, 1)  # (B, H, T, d, window)
    vw = F.pad(v, (0, 0, window - 1, 0)).unfold(-2, window, 1)  # (B, H, T, dv, window)
    scores = torch.einsum("bhtd,bhtdw->bhtw", q, kw) / math.sqrt(q.size(-1))
    key_pos = torch.arange(T, device=q.device)[:, None] - window + 1 \
        + torch.arange(window, device=q.device)[None, :]  # (T, window)
    scores = scores.masked_fill(key_pos < 0, float("-inf"))
    out = torch.einsum("bhtw,bhtdw->bhtd", scores.softmax(dim=-1), vw)
    return out.to(dtype)
