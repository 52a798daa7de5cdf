# expect: load, shape, numerics, masking, stability, device
import math

import torch


def flash_attention(q, k, v, Bc=16, causal=False):
    # The paper's name for the key block size, Bc: the contract's is block_size
    dtype = q.dtype
    q, k, v = q.float() / math.sqrt(q.size(-1)), k.float(), v.float()
    m = torch.full(q.shape[:-1] + (1,), float("-inf"), device=q.device)
    l = torch.zeros_like(m)
    acc = torch.zeros(q.shape[:-1] + (v.size(-1),), device=q.device)
    i = torch.arange(q.size(-2), device=q.device)[:, None]
    for start in range(0, k.size(-2), Bc):
        s = q @ k[..., start:start + Bc, :].transpose(-2, -1)
        if causal:
            j = torch.arange(start, start + s.size(-1), device=q.device)[None, :]
            s = s.masked_fill(j > i, float("-inf"))
        m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))
        p = torch.exp(s - m_new)
        alpha = torch.exp(m - m_new)
        l = alpha * l + p.sum(dim=-1, keepdim=True)
        acc = alpha * acc + p @ v[..., start:start + Bc, :]
        m = m_new
    return (acc / l).to(dtype)
