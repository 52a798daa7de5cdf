import math

import torch
import torch.nn as nn


class MultiheadAttention(nn.Module):
    # Everything in the input dtype, even float16; permute instead of transpose, einsum instead
    # of matmul, and masked scores set to the dtype's most negative finite value.
    def __init__(self, d_model, heads=8):
        super().__init__()
        self.n_heads = heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.o_proj = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        b, tq, dm = q.shape
        hs = dm // self.n_heads
        q = self.q_proj(q).reshape(b, tq, self.n_heads, hs).permute(0, 2, 1, 3)
        k = self.k_proj(k).reshape(b, -1, self.n_heads, hs).permute(0, 2, 1, 3)
        v = self.v_proj(v).reshape(b, -1, self.n_heads, hs).permute(0, 2, 1, 3)
        att = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(hs)
        if mask is not None:
            att = torch.where(mask, att, torch.finfo(att.dtype).min)
        att = torch.softmax(att, dim=-1)
        y = torch.einsum("bhqk,bhkd->bhqd", att, v)
        return self.o_proj(y.permute(0, 2, 1, 3).reshape(b, tq, dm))
