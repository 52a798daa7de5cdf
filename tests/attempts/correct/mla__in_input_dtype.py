import torch
import torch.nn as nn


class MultiHeadLatentAttention(nn.Module):
    # Everything in the input dtype, float16 included: only the RoPE angles are made in
    # float32 (a float16 angle is off by ~1e-3 rad) and their cos/sin cast down. Masked
    # scores get the dtype's most negative finite value; k_R is broadcast over the heads
    # by the matmul instead of being expanded and concatenated.
    def __init__(self, d_model, n_heads, d_head, d_c, d_cq, d_rope):
        super().__init__()
        self.n_heads, self.d_head, self.d_rope = n_heads, d_head, d_rope
        self.w_dq = nn.Linear(d_model, d_cq, bias=False)
        self.w_uq = nn.Linear(d_cq, n_heads * d_head, bias=False)
        self.w_qr = nn.Linear(d_cq, n_heads * d_rope, bias=False)
        self.w_dkv = nn.Linear(d_model, d_c, bias=False)
        self.w_uk = nn.Linear(d_c, n_heads * d_head, bias=False)
        self.w_uv = nn.Linear(d_c, n_heads * d_head, bias=False)
        self.w_kr = nn.Linear(d_model, d_rope, bias=False)
        self.w_o = nn.Linear(n_heads * d_head, d_model, bias=False)

    @staticmethod
    def rotate_half(t):
        half = t.shape[-1] // 2
        return torch.cat((-t[..., half:], t[..., :half]), dim=-1)

    def forward(self, x, cache=None):
        B, T, _ = x.shape
        H, hs, dr = self.n_heads, self.d_head, self.d_rope
        start = cache[0].size(1) if cache is not None else 0
        freqs = 1.0 / (10000 ** (torch.arange(0, dr, 2, device=x.device).float() / dr))
        t = torch.arange(start, start + T, device=x.device).float()
        emb = torch.outer(t, freqs).repeat(1, 2)  # (T, dr)
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)

        c_q = self.w_dq(x)
        q_c = self.w_uq(c_q).view(B, T, H, hs).transpose(1, 2)
        q_r = self.w_qr(c_q).view(B, T, H, dr).transpose(1, 2)
        q_r = q_r * cos + self.rotate_half(q_r) * sin

        k_r = self.w_kr(x)
        k_r = k_r * cos + self.rotate_half(k_r) * sin
        c_kv = self.w_dkv(x)
        if cache is not None:
            c_kv = torch.cat((cache[0], c_kv), dim=1)
            k_r = torch.cat((cache[1], k_r), dim=1)
        Tk = c_kv.size(1)
        k_c = self.w_uk(c_kv).view(B, Tk, H, hs).transpose(1, 2)
        v = self.w_uv(c_kv).view(B, Tk, H, hs).transpose(1, 2)

        att = q_c @ k_c.transpose(-2, -1) + q_r @ k_r.unsqueeze(1).transpose(-2, -1)
        att = att * (hs + dr) ** -0.5
        keep = torch.ones(T, Tk, dtype=torch.bool, device=x.device).tril(start)
        att = torch.where(keep, att, torch.finfo(att.dtype).min)
        y = att.softmax(dim=-1) @ v
        y = y.transpose(1, 2).contiguous().view(B, T, H * hs)
        return self.w_o(y), (c_kv, k_r)
