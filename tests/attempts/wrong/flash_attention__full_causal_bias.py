# expect: rules
import math

import torch


def flash_attention(q, k, v, block_size=16, causal=False):
    # Tiled scores, but the causal mask is built up front as a full (B, H, Tq, Tk) additive
    # bias and sliced per block: as much memory as the score matrix it was meant to avoid.
    dtype = q.dtype
    q, k, v = q.float() / math.sqrt(q.size(-1)), k.float(), v.float()
    B, H, Tq, _ = q.shape
    Tk = k.size(-2)
    bias = None
    if causal:
        future = torch.ones(Tq, Tk, dtype=torch.bool, device=q.device).triu(1)
        bias = torch.zeros(B, H, Tq, Tk, device=q.device).masked_fill(future, float("-inf"))
    m = torch.full((B, H, Tq, 1), float("-inf"), device=q.device)
    l = torch.zeros_like(m)
    acc = torch.zeros(B, H, Tq, v.size(-1), device=q.device)
    for start in range(0, Tk, block_size):
        s = q @ k[..., start:start + block_size, :].transpose(-2, -1)
        if bias is not None:
            s = s + bias[..., start:start + block_size]
        m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))
        p = torch.exp(s - m_new)
        alpha = torch.exp(m - m_new)
        l = alpha * l + p.sum(dim=-1, keepdim=True)
        acc = alpha * acc + p @ v[..., start:start + block_size, :]
        m = m_new
    return (acc / l).to(dtype)
