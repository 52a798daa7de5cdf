import torch
import torch.nn as nn


class GroupedQueryAttention(nn.Module):
    # No copy of the KV heads at all: the query heads are viewed as (n_kv_heads, g) groups and
    # broadcast against their KV head inside einsum. Everything in the input dtype, even
    # float16, with the masked scores set to the dtype's most negative finite value.
    def __init__(self, d_model, n_heads, n_kv_heads):
        super().__init__()
        self.h, self.kv = n_heads, n_kv_heads
        self.hs = d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.k_proj = nn.Linear(d_model, n_kv_heads * self.hs, bias=False)
        self.v_proj = nn.Linear(d_model, n_kv_heads * self.hs, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)

    def forward(self, x):
        b, t, c = x.shape
        g = self.h // self.kv
        q = self.q_proj(x).reshape(b, t, self.kv, g, self.hs)  # head h = j * g + i
        k = self.k_proj(x).reshape(b, t, self.kv, self.hs)
        v = self.v_proj(x).reshape(b, t, self.kv, self.hs)
        att = torch.einsum("bqjid,bkjd->bjiqk", q, k) * self.hs ** -0.5
        causal = torch.tril(torch.ones(t, t, dtype=torch.bool, device=x.device))
        att = torch.where(causal, att, torch.finfo(att.dtype).min)
        att = att.softmax(dim=-1)
        y = torch.einsum("bjiqk,bkjd->bqjid", att, v)
        return self.o_proj(y.reshape(b, t, c))
