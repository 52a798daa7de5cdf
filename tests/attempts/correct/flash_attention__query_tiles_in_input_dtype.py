import math

import torch


def flash_attention(q, k, v, block_size=16, causal=False):
    # FlashAttention-2's loop order: query tiles outside, key tiles inside, and with causal the
    # key tiles wholly after the query tile are skipped. Everything stays in the input dtype,
    # even float16; the first key tile starts the running max, so no -inf is needed.
    Tq, Tk, d = q.shape[-2], k.shape[-2], q.shape[-1]
    scale = 1.0 / math.sqrt(d)
    outs = []
    for qs in range(0, Tq, block_size):
        qb = q[..., qs:qs + block_size, :] * scale  # (B, H, bq, d)
        qi = torch.arange(qs, qs + qb.shape[-2], device=q.device)[:, None]
        m = l = acc = None
        last = min(Tk, qs + qb.shape[-2]) if causal else Tk
        for ks in range(0, last, block_size):
            kb = k[..., ks:ks + block_size, :]
            vb = v[..., ks:ks + block_size, :]
            s = qb @ kb.transpose(-1, -2)  # (B, H, bq, bk)
            if causal:
                kj = torch.arange(ks, ks + kb.shape[-2], device=q.device)[None, :]
                s = s.masked_fill(kj > qi, float("-inf"))
            bmax = s.max(dim=-1, keepdim=True).values
            if m is None:
                m = bmax
                p = torch.exp(s - m)
                l, acc = p.sum(dim=-1, keepdim=True), p @ vb
                continue
            m_new = torch.maximum(m, bmax)
            p = torch.exp(s - m_new)
            alpha = torch.exp(m - m_new)
            l = l * alpha + p.sum(dim=-1, keepdim=True)
            acc = acc * alpha + p @ vb
            m = m_new
        outs.append(acc / l)
    return torch.cat(outs, dim=-2)
