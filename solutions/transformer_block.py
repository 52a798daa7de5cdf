"""Pre-norm decoder block (LLaMA-style), written by hand: the reference that
`handwrite check transformer_block` grades against."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    """x / sqrt(mean(x ** 2) + eps) * weight over the last dim, in x's dtype."""

    def __init__(self, d_model: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        # Starts as the identity scale; training learns how loud each feature should be.
        self.weight = nn.Parameter(torch.ones(d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Square in float32 at least: the residual stream of a deep net grows into the
        # hundreds, and float16 tops out at 65504, so x ** 2 of any |x| > 256 would be inf
        # and the row would come out as all zeros.
        z = x.to(torch.promote_types(x.dtype, torch.float32))  # (B, T, C)
        ms = z.pow(2).mean(dim=-1, keepdim=True)  # (B, T, 1) mean square of each position
        return (z * torch.rsqrt(ms + self.eps) * self.weight).to(x.dtype)  # (B, T, C)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """(x1, x2) -> (-x2, x1) on the two halves of the last dim: the 90-degree turn of RoPE's
    pairs, feature i paired with feature i + hs/2 (the half-split layout of LLaMA's HF port)."""
    x1, x2 = x.chunk(2, dim=-1)  # (..., hs/2) each
    return torch.cat((-x2, x1), dim=-1)  # (..., hs)


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with rotary position embeddings (RoPE) on q and k.

    forward(x (B, T, C)) -> (B, T, C). Shape comments: nh = heads, hs = d_head = C // nh.
    """

    def __init__(self, d_model: int, heads: int, base: float = 10000.0):
        super().__init__()
        assert d_model % heads == 0, f"d_model={d_model} doesn't split into {heads} heads"
        self.heads = heads
        self.d_head = d_model // heads
        assert self.d_head % 2 == 0, "RoPE turns features in pairs: d_head must be even"
        self.base = base
        # No biases, as in LLaMA. Positions enter through RoPE, not through any weight.
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.k_proj = nn.Linear(d_model, d_model, bias=False)
        self.v_proj = nn.Linear(d_model, d_model, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)  # mixes what the heads found

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape  # batch, positions, d_model
        dtype = x.dtype
        # float16/bfloat16 lose digits in the rotation, every dot product and the softmax:
        # work in float32 (float64 stays float64).
        work = torch.promote_types(dtype, torch.float32)
        q = self.rope(self.split_heads(self.q_proj(x)).to(work))  # (B, nh, T, hs)
        k = self.rope(self.split_heads(self.k_proj(x)).to(work))  # (B, nh, T, hs)
        # Values carry content, not position: RoPE turns only the queries and keys.
        v = self.split_heads(self.v_proj(x)).to(work)  # (B, nh, T, hs)
        y = self.attend(q, k, v).to(dtype)  # (B, nh, T, hs)
        # Heads back side by side: transpose first, so each position's heads are neighbours.
        return self.o_proj(y.transpose(1, 2).reshape(B, T, C))  # (B, T, C)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) -> (B, nh, T, hs): head h gets features h*hs ... (h+1)*hs - 1."""
        B, T, C = x.shape
        return x.view(B, T, self.heads, self.d_head).transpose(1, 2)  # (B, nh, T, hs)

    def rope(self, x: torch.Tensor) -> torch.Tensor:
        """Turn each (i, i + hs/2) feature pair of position t by t * base^(-2i/hs) radians."""
        T, hs = x.shape[-2], x.shape[-1]
        # Made on x's device, in x's (working) dtype: angles of up to T radians keep their
        # digits in float32, not in float16.
        i = torch.arange(hs // 2, device=x.device, dtype=x.dtype)  # (hs/2,)
        inv_freq = self.base ** (-2.0 * i / hs)  # (hs/2,) pair 0 turns fastest, 1 rad a step
        t = torch.arange(T, device=x.device, dtype=x.dtype)  # (T,) positions 0 ... T-1
        angles = torch.outer(t, inv_freq)  # (T, hs/2)
        # Both halves of a pair share its angle: lay the angles out as the features are.
        angles = torch.cat((angles, angles), dim=-1)  # (T, hs)
        # A 2-D rotation of each pair (a, b): (a cos - b sin, b cos + a sin). Rotating q by
        # its position and k by its own makes q.k depend on their distance only.
        return x * angles.cos() + rotate_half(x) * angles.sin()  # (B, nh, T, hs)

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Causal scaled dot-product attention in every head at once: (B, nh, T, hs)."""
        T = q.shape[-2]
        # Scale by one head's size: each score is a sum of hs terms, with a spread of ~sqrt(hs).
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # (B, nh, T, T)
        # Position i may read positions 0 ... i only: a decoder predicts token i + 1 from them,
        # and at generation time the later ones don't exist yet. -inf gives the future exactly
        # zero weight, whatever it holds; made on the scores' device.
        future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)  # (T, T)
        scores = scores.masked_fill(future, float("-inf"))  # (B, nh, T, T)
        # softmax subtracts each row's max first, so scores in the hundreds don't overflow exp.
        return scores.softmax(dim=-1) @ v  # (B, nh, T, hs)


class SwiGLU(nn.Module):
    """The gated MLP of LLaMA: w2(silu(w1(x)) * w3(x)). Shape comments: Hd = d_hidden."""

    def __init__(self, d_model: int, d_hidden: int):
        super().__init__()
        self.w1 = nn.Linear(d_model, d_hidden, bias=False)  # gate branch: goes through silu
        self.w3 = nn.Linear(d_model, d_hidden, bias=False)  # value branch: stays linear
        self.w2 = nn.Linear(d_hidden, d_model, bias=False)  # back down to d_model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        work = torch.promote_types(x.dtype, torch.float32)  # silu and the product in float32
        hidden = F.silu(self.w1(x).to(work)) * self.w3(x).to(work)  # (B, T, Hd)
        return self.w2(hidden.to(x.dtype))  # (B, T, C)


class DecoderBlock(nn.Module):
    """One pre-norm decoder block: h = x + attn(attn_norm(x)); y = h + mlp(mlp_norm(h)).

    forward(x (B, T, C)) -> (B, T, C), C = d_model; causal: y[:, t] depends on x[:, :t+1].
    """

    def __init__(self, d_model: int, heads: int, d_hidden: int):
        super().__init__()
        self.attn_norm = RMSNorm(d_model)  # normalises what attention reads
        self.attn = CausalSelfAttention(d_model, heads)
        self.mlp_norm = RMSNorm(d_model)  # normalises what the MLP reads: a norm of its own
        self.mlp = SwiGLU(d_model, d_hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Pre-norm: each sublayer reads a normalised copy of the stream and ADDS its result to
        # the un-normalised stream. The residual path from x to the output is then a plain
        # identity through every block, which is what lets deep stacks train without warm-up
        # tricks (post-norm, norm(x + f(x)), puts a norm on that path in every block).
        h = x + self.attn(self.attn_norm(x))  # (B, T, C)
        return h + self.mlp(self.mlp_norm(h))  # (B, T, C)
