# expect: numerics, masking, rules
import math

import torch


def flash_attention(q, k, v, block_size=16, causal=False):
    dtype = q.dtype
    q = q.float()  # no copy when q is float32 already ...
    q /= math.sqrt(q.size(-1))  # ... so this scales the caller's q
    k, v = k.float(), v.float()
    m = torch.full(q.shape[:-1] + (1,), float("-inf"), device=q.device)
    l = torch.zeros_like(m)
    acc = torch.zeros(q.shape[:-1] + (v.size(-1),), device=q.device)
    i = torch.arange(q.size(-2), device=q.device)[:, None]
    for start in range(0, k.size(-2), block_size):
        s = q @ k[..., start:start + block_size, :].transpose(-2, -1)
        if causal:
            j = torch.arange(start, start + s.size(-1), device=q.device)[None, :]
            s = s.masked_fill(j > i, float("-inf"))
        m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))
        p = torch.exp(s - m_new)
        alpha = torch.exp(m - m_new)
        l = alpha * l + p.sum(dim=-1, keepdim=True)
        acc = alpha * acc + p @ v[..., start:start + block_size, :]
        m = m_new
    return (acc / l).to(dtype)
