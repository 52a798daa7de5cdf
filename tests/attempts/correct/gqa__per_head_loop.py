import math

import torch
import torch.nn as nn


class GroupedQueryAttention(nn.Module):
    # The plainest way: one query head at a time, each picking its KV head by index, the
    # weighted sum in float64 for float64 inputs and float32 otherwise.
    def __init__(self, d_model, n_heads, n_kv_heads):
        super().__init__()
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads
        self.d_head = d_model // n_heads
        self.q_proj = nn.Linear(d_model, n_heads * self.d_head, bias=False)
        self.k_proj = nn.Linear(d_model, n_kv_heads * self.d_head, bias=False)
        self.v_proj = nn.Linear(d_model, n_kv_heads * self.d_head, bias=False)
        self.o_proj = nn.Linear(n_heads * self.d_head, d_model, bias=False)

    def forward(self, x):
        T = x.shape[1]
        hs = self.d_head
        q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        work = torch.float64 if x.dtype == torch.float64 else torch.float32
        pos = torch.arange(T, device=x.device)
        allowed = pos[None, :] <= pos[:, None]  # key j <= query i
        group = self.n_heads // self.n_kv_heads
        outs = []
        for h in range(self.n_heads):
            j = h // group  # the KV head this query head shares
            qh = q[..., h * hs:(h + 1) * hs].to(work)
            kh = k[..., j * hs:(j + 1) * hs].to(work)
            vh = v[..., j * hs:(j + 1) * hs].to(work)
            s = qh @ kh.transpose(1, 2) / math.sqrt(hs)
            s = s.masked_fill(~allowed, float("-inf"))
            outs.append((torch.softmax(s, dim=-1) @ vh).to(x.dtype))
        return self.o_proj(torch.cat(outs, dim=-1))
