import math

import torch


def flash_attention(q, k, v, block_size=16, causal=False):
    # torch.split into key blocks, bookkeeping in float64 whatever the input, and the causal
    # mask as a tile of key positions made with arange on q's device per block.
    k_blocks = torch.split(k, block_size, dim=-2)
    v_blocks = torch.split(v, block_size, dim=-2)
    qf = q.double() * (q.shape[-1] ** -0.5)
    i = torch.arange(q.shape[-2], device=q.device).unsqueeze(-1)
    m = torch.full(q.shape[:-1] + (1,), -math.inf, dtype=torch.float64, device=q.device)
    l = torch.zeros_like(m)
    acc = torch.zeros(q.shape[:-1] + (v.shape[-1],), dtype=torch.float64, device=q.device)
    start = 0
    for kb, vb in zip(k_blocks, v_blocks):
        s = torch.matmul(qf, kb.double().transpose(-1, -2))
        if causal:
            j = start + torch.arange(kb.shape[-2], device=q.device)
            s = s.masked_fill(j > i, -math.inf)
        m_new = torch.max(m, s.amax(-1, keepdim=True))
        p = (s - m_new).exp()
        corr = (m - m_new).exp()
        l = corr * l + p.sum(-1, keepdim=True)
        acc = corr * acc + torch.matmul(p, vb.double())
        m = m_new
        start += kb.shape[-2]
    return (acc / l).to(q.dtype)
