# expect: device
import math

import torch


def flash_attention(q, k, v, block_size=16, causal=False):
    dtype = q.dtype
    q, k, v = q.float() / math.sqrt(q.size(-1)), k.float(), v.float()
    B, H, Tq, _ = q.shape
    # made on the CPU, whatever device q is on
    m = torch.full((B, H, Tq, 1), float("-inf"))
    l = torch.zeros(B, H, Tq, 1)
    acc = torch.zeros(B, H, Tq, v.size(-1))
    i = torch.arange(Tq, device=q.device)[:, None]
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
