import torch
import torch.nn as nn


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class CachedSelfAttention(nn.Module):
    # Hugging Face Llama style: cos/sin tables made in float32 and cast to the input dtype,
    # x * cos + rotate_half(x) * sin, then einsum attention in the input dtype (even float16)
    # with an additive mask: zeros over the past, -inf above the diagonal of the new block.
    def __init__(self, d_model, heads):
        super().__init__()
        self.nh, self.hd = heads, d_model // heads
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.k_proj = nn.Linear(d_model, d_model, bias=False)
        self.v_proj = nn.Linear(d_model, d_model, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)

    def forward(self, x, cache=None):
        bsz, q_len, _ = x.shape
        past = 0 if cache is None else cache[0].shape[-2]
        q = self.q_proj(x).view(bsz, q_len, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(bsz, q_len, self.nh, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(bsz, q_len, self.nh, self.hd).transpose(1, 2)

        inv_freq = 1.0 / (10000 ** (torch.arange(0, self.hd, 2, device=x.device).float()
                                    / self.hd))
        position_ids = torch.arange(past, past + q_len, device=x.device).float()
        freqs = torch.outer(position_ids, inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin

        if cache is not None:
            k = torch.cat((cache[0], k), dim=-2)
            v = torch.cat((cache[1], v), dim=-2)

        att = torch.einsum("bhqd,bhkd->bhqk", q, k) / self.hd ** 0.5
        future = torch.full((q_len, q_len), float("-inf"), dtype=x.dtype, device=x.device)
        bias = torch.cat((torch.zeros(q_len, past, dtype=x.dtype, device=x.device),
                          future.triu(1)), dim=-1)
        att = (att + bias).softmax(dim=-1)
        out = torch.einsum("bhqk,bhkd->bhqd", att, v)
        out = out.transpose(1, 2).reshape(bsz, q_len, -1)
        return self.o_proj(out), (k, v)
