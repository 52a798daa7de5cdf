import math

import torch
import torch.nn as nn


class MultiHeadLatentAttention(nn.Module):
    # One head at a time, and RoPE as complex multiplication: (x1 + i x2) * e^(i angle) turns
    # the pair (x_i, x_{i + d/2}) exactly as rotate_half does. The cache is built from a list.
    def __init__(self, d_model, n_heads, d_head, d_c, d_cq, d_rope):
        super().__init__()
        self.n_heads, self.d_head, self.d_rope = n_heads, d_head, d_rope
        self.w_dkv = nn.Linear(d_model, d_c, bias=False)
        self.w_uk = nn.Linear(d_c, n_heads * d_head, bias=False)
        self.w_uv = nn.Linear(d_c, n_heads * d_head, bias=False)
        self.w_dq = nn.Linear(d_model, d_cq, bias=False)
        self.w_uq = nn.Linear(d_cq, n_heads * d_head, bias=False)
        self.w_qr = nn.Linear(d_cq, n_heads * d_rope, bias=False)
        self.w_kr = nn.Linear(d_model, d_rope, bias=False)
        self.w_o = nn.Linear(n_heads * d_head, d_model, bias=False)

    def rope(self, t, pos):
        half = self.d_rope // 2
        t = t.double() if t.dtype == torch.float64 else t.float()
        inv = torch.tensor([10000.0 ** (-2 * i / self.d_rope) for i in range(half)],
                           dtype=t.dtype, device=t.device)
        z = torch.complex(t[..., :half], t[..., half:])
        turned = z * torch.polar(torch.ones_like(inv), pos[:, None].to(t.dtype) * inv)
        return torch.cat([turned.real, turned.imag], dim=-1)

    def forward(self, x, cache=None):
        B, T, _ = x.shape
        hs, dr = self.d_head, self.d_rope
        past = 0 if cache is None else cache[0].shape[1]
        pos = torch.arange(past, past + T, device=x.device)
        c_q = self.w_dq(x)
        q_c_all, q_r_all = self.w_uq(c_q), self.w_qr(c_q)
        new_c = self.w_dkv(x)
        new_r = self.rope(self.w_kr(x), pos).to(x.dtype)
        c_kv = new_c if cache is None else torch.cat([cache[0], new_c], dim=1)
        k_r = new_r if cache is None else torch.cat([cache[1], new_r], dim=1)
        Tk = c_kv.shape[1]
        k_c_all, v_all = self.w_uk(c_kv), self.w_uv(c_kv)
        future = torch.arange(Tk, device=x.device)[None, :] > pos[:, None]
        work = torch.promote_types(x.dtype, torch.float32)
        outs = []
        for h in range(self.n_heads):
            q = torch.cat([q_c_all[..., h * hs:(h + 1) * hs].to(work),
                           self.rope(q_r_all[..., h * dr:(h + 1) * dr], pos)], dim=-1)
            k = torch.cat([k_c_all[..., h * hs:(h + 1) * hs], k_r], dim=-1).to(work)
            v = v_all[..., h * hs:(h + 1) * hs].to(work)
            s = (q @ k.transpose(1, 2)) / math.sqrt(hs + dr)
            s = s.masked_fill(future, float("-inf"))
            outs.append((s.softmax(-1) @ v).to(x.dtype))
        return self.w_o(torch.cat(outs, dim=-1)), (c_kv, k_r)
