import math

import torch
import torch.nn as nn


class MultiHeadLatentAttention(nn.Module):
    # The way MLA is served: k_C and v_C are never built. W_UK is folded into the queries
    # (q_C . W_UK c = (W_UK^T q_C) . c) and W_UV is applied after the weighted sum of the
    # latents, so attention runs straight over the cached c_KV. The content and rope scores
    # are two einsums added, not one over concatenated q and k. Inside in float32.
    def __init__(self, d_model, n_heads, d_head, d_c, d_cq, d_rope):
        super().__init__()
        self.h, self.dh, self.dc, self.dr = n_heads, d_head, d_c, d_rope
        self.w_dkv = nn.Linear(d_model, d_c, bias=False)
        self.w_uk = nn.Linear(d_c, n_heads * d_head, bias=False)
        self.w_uv = nn.Linear(d_c, n_heads * d_head, bias=False)
        self.w_dq = nn.Linear(d_model, d_cq, bias=False)
        self.w_uq = nn.Linear(d_cq, n_heads * d_head, bias=False)
        self.w_qr = nn.Linear(d_cq, n_heads * d_rope, bias=False)
        self.w_kr = nn.Linear(d_model, d_rope, bias=False)
        self.w_o = nn.Linear(n_heads * d_head, d_model, bias=False)

    def rope(self, t, cos, sin):
        t1, t2 = t.chunk(2, dim=-1)
        return torch.cat([t1 * cos - t2 * sin, t2 * cos + t1 * sin], dim=-1)

    def forward(self, x, cache=None):
        B, T, _ = x.shape
        dtype, f = x.dtype, torch.promote_types(x.dtype, torch.float32)
        past = 0 if cache is None else cache[0].shape[1]
        pos = torch.arange(past, past + T, device=x.device, dtype=f)
        inv = 10000.0 ** (-torch.arange(0, self.dr, 2, device=x.device, dtype=f) / self.dr)
        ang = pos[:, None] * inv  # (T, dr/2)
        cos, sin = ang.cos(), ang.sin()

        c_q = self.w_dq(x)
        q_c = self.w_uq(c_q).view(B, T, self.h, self.dh).to(f)
        q_r = self.w_qr(c_q).view(B, T, self.h, self.dr).to(f)
        q_r = self.rope(q_r, cos[:, None], sin[:, None])  # (B, T, h, dr)

        c_kv = self.w_dkv(x)
        k_r = self.rope(self.w_kr(x).to(f), cos, sin).to(dtype)
        if cache is not None:
            c_kv = torch.cat([cache[0], c_kv], dim=1)
            k_r = torch.cat([cache[1], k_r], dim=1)
        Tk = c_kv.shape[1]

        w_uk = self.w_uk.weight.view(self.h, self.dh, self.dc).to(f)
        w_uv = self.w_uv.weight.view(self.h, self.dh, self.dc).to(f)
        q_lat = torch.einsum("bthd,hdc->bthc", q_c, w_uk)
        c = c_kv.to(f)
        scores = (torch.einsum("bthc,bsc->bhts", q_lat, c)
                  + torch.einsum("bthr,bsr->bhts", q_r, k_r.to(f)))
        scores = scores / math.sqrt(self.dh + self.dr)
        i = torch.arange(T, device=x.device)[:, None] + past
        j = torch.arange(Tk, device=x.device)[None, :]
        scores = scores.masked_fill(j > i, float("-inf"))
        w = scores.softmax(dim=-1)
        o_lat = torch.einsum("bhts,bsc->bthc", w, c)
        o = torch.einsum("bthc,hdc->bthd", o_lat, w_uv).reshape(B, T, self.h * self.dh)
        return self.w_o(o.to(dtype)), (c_kv, k_r)
