# expect: masking, gradients, stability
import math

import torch


def flash_attention(q, k, v, block_size=16, causal=False):
    # Query tiles too, and with causal the key tiles after the query tile are skipped... but
    # the diagonal tile itself is never masked, so each query sees the later keys of its own
    # tile.
    dtype = q.dtype
    q, k, v = q.float() / math.sqrt(q.size(-1)), k.float(), v.float()
    Tq, Tk = q.size(-2), k.size(-2)
    out = []
    for qs in range(0, Tq, block_size):
        qb = q[..., qs:qs + block_size, :]
        m = torch.full(qb.shape[:-1] + (1,), float("-inf"), device=q.device)
        l = torch.zeros_like(m)
        acc = torch.zeros(qb.shape[:-1] + (v.size(-1),), device=q.device)
        for ks in range(0, qs + qb.size(-2) if causal else Tk, block_size):
            s = qb @ k[..., ks:ks + block_size, :].transpose(-2, -1)
            m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))
            p = torch.exp(s - m_new)
            alpha = torch.exp(m - m_new)
            l = alpha * l + p.sum(dim=-1, keepdim=True)
            acc = alpha * acc + p @ v[..., ks:ks + block_size, :]
            m = m_new
        out.append(acc / l)
    return torch.cat(out, dim=-2).to(dtype)
