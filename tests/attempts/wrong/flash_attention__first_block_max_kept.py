# expect: stability
import math

import torch


def flash_attention(q, k, v, block_size=16, causal=False):
    # The max is taken once, from the first block, and kept: every exp is measured against
    # the same m, so nothing needs rescaling and the sums are exact... until a later block
    # holds scores far above the first block's, and exp(s - m) overflows.
    dtype = q.dtype
    q, k, v = q.float() / math.sqrt(q.size(-1)), k.float(), v.float()
    i = torch.arange(q.size(-2), device=q.device)[:, None]
    m = l = acc = None
    for start in range(0, k.size(-2), block_size):
        s = q @ k[..., start:start + block_size, :].transpose(-2, -1)
        if causal:
            j = torch.arange(start, start + s.size(-1), device=q.device)[None, :]
            s = s.masked_fill(j > i, float("-inf"))
        if m is None:
            m = s.amax(dim=-1, keepdim=True)
            l = torch.zeros_like(m)
            acc = torch.zeros(*q.shape[:-1], v.size(-1), device=q.device)
        p = torch.exp(s - m)
        l = l + p.sum(dim=-1, keepdim=True)
        acc = acc + p @ v[..., start:start + block_size, :]
    return (acc / l).to(dtype)
