"""The pre-norm decoder block drill: cases, hints and known mistakes."""

import math

import torch

from handwrite.grader.i18n import T
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.transformer_block import DecoderBlock

reference = DecoderBlock  # the class every mistake subclasses (see grader/selftest.py)


def run_block(block, x, gain=1.0, upto=None, update=False):
    """How every case calls the block. A fresh RMSNorm's weight is all ones, which would hide
    a norm that skips its weight, or the two norms swapped: first give each norm uneven
    weights of its own (times gain). Returns block(x), cut to the positions before upto
    when upto is given; with update, also block(x) - x: what the two sublayers add to the
    stream."""
    with torch.no_grad():
        w = block.attn_norm.weight
        ramp = torch.arange(w.shape[0], device=w.device, dtype=torch.float64) / w.shape[0]
        block.attn_norm.weight.copy_(gain * (0.6 + 0.8 * ramp))  # rising from 0.6 to 1.4
        block.mlp_norm.weight.copy_(gain * (1.5 - 0.9 * ramp))  # falling from 1.5 to 0.6
    y = block(x)
    if update:
        return y, y - x
    return y if upto is None else y[:, :upto]


def _input(scale=1.0, noncontiguous=False, **drive):
    """x (B, T, C) for DecoderBlock(C, H, Hd); drive's keywords (gain, upto, update) go to
    run_block."""
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(d.B, d.T, d.C, scale=scale)  # (B, T, C)
        return Call((x,), dict(drive), init_args=(d.C, d.H, d.Hd))
    return build


def _loud_stream(r, d):
    """x (B, T, C) with every |x| between 280 and 400: each row's mean square is over 65504,
    float16's largest value, while the block's output stays under 512 (a float16 step of
    0.25)."""
    size = 340 + 60 * torch.tanh(r.normal(d.B, d.T, d.C).double())  # (B, T, C)
    sign = torch.where(r.normal(d.B, d.T, d.C) < 0, -1.0, 1.0)  # (B, T, C)
    return Call(((sign * size).to(r.dtype),), dict(gain=3.0, update=True),
                init_args=(d.C, d.H, d.Hd))


UPTO = 4  # the causal case compares the outputs of positions 0 ... UPTO-1


def _future_changed(call, r, d):
    # New tokens at positions UPTO ... T-1: a causal block's outputs before UPTO can't move.
    (x,) = call.args
    later = torch.arange(d.T)[None, :, None] >= UPTO  # (1, T, 1)
    x = torch.where(later, r.normal(d.B, d.T, d.C, scale=3.0), x)  # (B, T, C)
    return Call((x,), call.kwargs, call.init_args, call.init_kwargs)


CASES = (
    Case(T("every dim a distinct size: 3 heads of 4",
           zh="每个维度大小都不同：3 个头，每头 4 维"), "shape",
         dict(B=2, T=5, C=12, H=3, Hd=20), _input(), drive=run_block),
    Case(T("batch of 1, 2 heads of 8", zh="批大小为 1，2 个头，每头 8 维"), "shape",
         dict(B=1, T=7, C=16, H=2, Hd=24), _input(), drive=run_block),
    Case(T("non-contiguous x", zh="非连续的 x"), "shape", dict(B=3, T=4, C=12, H=2, Hd=20),
         _input(noncontiguous=True), drive=run_block),
    Case(T("a single position (T=1)", zh="只有一个位置（T=1）"), "shape",
         dict(B=3, T=1, C=8, H=2, Hd=12), _input(), drive=run_block),
    Case(T("random inputs, 4 heads of 4", zh="随机输入，4 个头，每头 4 维"), "numerics",
         dict(B=2, T=6, C=16, H=4, Hd=24), _input(scale=2.0), grad=True, drive=run_block),
    # Pair 0 of a head turns one radian a step: at T=11 the angles go round more than once,
    # and with hs=8 there are four pairs at four speeds.
    Case(T("11 positions, 2 heads of 8: RoPE goes past a full turn",
           zh="11 个位置，2 个头，每头 8 维：RoPE 转过不止一整圈"), "numerics",
         dict(B=2, T=11, C=16, H=2, Hd=20), _input(), drive=run_block),
    Case(T("one head of 10 (H=1)", zh="只有一个头，10 维（H=1）"), "numerics",
         dict(B=2, T=6, C=10, H=1, Hd=14), _input(), grad=True, drive=run_block),
    Case(T("float64", zh="float64"), "numerics", dict(B=2, T=5, C=12, H=3, Hd=16),
         _input(scale=2.0), dtype=torch.float64, drive=run_block),
    # Only the outputs of positions 0 ... UPTO-1 are compared, and the leak run changes every
    # token from UPTO on: no output before UPTO may move.
    Case(T(f"causal: positions {UPTO} ... T-1 don't reach the outputs before them",
           zh=f"因果：位置 {UPTO} ... T-1 影响不到它们之前的输出"), "masking",
         dict(B=2, T=9, C=12, H=3, Hd=20), _input(scale=2.0, upto=UPTO), grad=True,
         leak=_future_changed, drive=run_block),
    Case(T("float16", zh="float16"), "stability", dict(B=2, T=6, C=16, H=2, Hd=24),
         _input(scale=2.0), dtype=torch.float16, drive=run_block),
    Case(T("bfloat16", zh="bfloat16"), "stability", dict(B=3, T=5, C=12, H=3, Hd=16),
         _input(scale=2.0), dtype=torch.bfloat16, drive=run_block),
    # Norm weights of 30 make q and k ~17 and the scores ~300, up to ~1e3: exp of them
    # overflows float32 unless the softmax takes each row's max out first.
    Case(T("norm weights of 30: attention scores up to ~1e3",
           zh="归一化权重为 30：注意力分数可达 ~1e3"), "stability",
         dict(B=2, T=6, C=16, H=4, Hd=24), _input(gain=30.0), magnitude=3e2, drive=run_block),
    # out - x, the sublayers' update (~3), is compared too: within out itself, of ~340, a lost
    # update would hide under float16's rounding of the stream (steps of 0.25, and a
    # tolerance of 0.5 for two of them).
    Case(T("float16 stream of ~340: x ** 2 overflows, the update must survive",
           zh="float16 残差流约为 340：x ** 2 会上溢，子层加上的增量不能丢"), "stability",
         dict(B=2, T=5, C=16, H=4, Hd=24), _loud_stream, dtype=torch.float16, magnitude=32,
         drive=run_block),
)


class PostNorm(DecoderBlock):
    def forward(self, x):
        # the bug: the original Transformer's post-norm, a norm after each residual add
        h = self.attn_norm(x + self.attn(x))
        return self.mlp_norm(h + self.mlp(h))


class MissingResidual(DecoderBlock):
    def forward(self, x):
        h = self.attn(self.attn_norm(x))  # the bug: no x + around the attention
        return h + self.mlp(self.mlp_norm(h))


class NormOnWrongBranch(DecoderBlock):
    def forward(self, x):
        x = self.attn_norm(x)  # the bug: the stream itself is normalised, not a copy of it
        h = x + self.attn(x)
        h = self.mlp_norm(h)
        return h + self.mlp(h)


class NormsSwapped(DecoderBlock):
    def forward(self, x):
        h = x + self.attn(self.mlp_norm(x))  # the bug: each sublayer reads the other's norm
        return h + self.mlp(self.attn_norm(h))


class NoCausalMask(DecoderBlock):
    def forward(self, x):
        a = self.attn
        B, T, C = x.shape
        n = self.attn_norm(x)
        work = torch.promote_types(x.dtype, torch.float32)
        q = a.rope(a.split_heads(a.q_proj(n)).to(work))
        k = a.rope(a.split_heads(a.k_proj(n)).to(work))
        v = a.split_heads(a.v_proj(n)).to(work)
        scores = q @ k.transpose(-2, -1) / math.sqrt(a.d_head)  # the bug: no causal mask
        y = (scores.softmax(dim=-1) @ v).to(x.dtype)
        h = x + a.o_proj(y.transpose(1, 2).reshape(B, T, C))
        return h + self.mlp(self.mlp_norm(h))


class RopeInterleaved(DecoderBlock):
    def forward(self, x):
        a = self.attn
        B, T, C = x.shape
        n = self.attn_norm(x)
        work = torch.promote_types(x.dtype, torch.float32)

        def rope(t):
            # the bug: GPT-J's layout, pairs (2i, 2i+1), where the contract pairs (i, i + hs/2)
            hs = t.shape[-1]
            i = torch.arange(hs // 2, device=t.device, dtype=t.dtype)
            pos = torch.arange(T, device=t.device, dtype=t.dtype)
            angles = torch.outer(pos, 10000.0 ** (-2.0 * i / hs))
            even, odd = t[..., 0::2], t[..., 1::2]
            turned = torch.stack((even * angles.cos() - odd * angles.sin(),
                                  odd * angles.cos() + even * angles.sin()), dim=-1)
            return turned.flatten(-2)

        q = rope(a.split_heads(a.q_proj(n)).to(work))
        k = rope(a.split_heads(a.k_proj(n)).to(work))
        v = a.split_heads(a.v_proj(n)).to(work)
        y = a.attend(q, k, v).to(x.dtype)
        h = x + a.o_proj(y.transpose(1, 2).reshape(B, T, C))
        return h + self.mlp(self.mlp_norm(h))


class NormInHalfPrecision(DecoderBlock):
    def forward(self, x):
        def norm(t, weight):
            # the bug: squares in t's own dtype: in float16 any |t| > 256 squares to inf,
            # rsqrt(inf) is 0, and the sublayer reads zeros
            return t * torch.rsqrt(t.pow(2).mean(dim=-1, keepdim=True) + 1e-6) * weight

        h = x + self.attn(norm(x, self.attn_norm.weight))
        return h + self.mlp(norm(h, self.mlp_norm.weight))


DRILL = Drill(
    id="transformer_block",
    title=T("Pre-norm decoder block (RMSNorm, RoPE, SwiGLU)",
            zh="Pre-norm 解码器块（RMSNorm、RoPE、SwiGLU）"),
    difficulty="hard",
    tags=("llm", "attention", "modules"),
    minutes=30,
    entry="DecoderBlock",
    reference=DecoderBlock,
    cases=CASES,
    # Every piece is written by hand: F.scaled_dot_product_attention and its aten kernels,
    # nn.MultiheadAttention (multi_head_attention_forward), and F.rms_norm / nn.RMSNorm.
    forbidden=("scaled_dot_product", "multi_head_attention", "rms_norm"),
    # the float16 stream case compares both
    outputs=(T("output", zh="输出"), T("output - x", zh="输出 - x")),
    aliases=("decoder-block", "llama-block", "transformer-layer", "pre-norm-block"),
    hints=(
        T("Two sublayers, each wrapped the same way: read a normalised copy of the stream, "
          "compute, add the result back to the stream itself. Attention first, then the MLP.",
          zh="两个子层，套法一样：读入残差流归一化后的一份副本，计算，再把结果加回残差流"
             "本身。先注意力，后 MLP。"),
        T("h = x + self.attn(self.attn_norm(x)); return h + self.mlp(self.mlp_norm(h)). The "
          "norm goes on the sublayer's input only, never on the stream (that would be "
          "post-norm, or a norm on the residual path). Each sublayer has its own norm.",
          zh="h = x + self.attn(self.attn_norm(x)); return h + self.mlp(self.mlp_norm(h))。"
             "归一化只作用于子层的输入，绝不作用于残差流本身（那就成了 post-norm，或是把"
             "归一化放到了残差路径上）。每个子层有自己的归一化。"),
        T("Attention: q, k, v = q_proj(x), k_proj(x), v_proj(x), each .view(B, T, heads, "
          "d_head).transpose(1, 2); RoPE on q and k (not v); softmax(q @ k^T / sqrt(d_head)) "
          "with the future masked; heads back with .transpose(1, 2).reshape(B, T, d_model); "
          "o_proj.",
          zh="注意力：q, k, v = q_proj(x), k_proj(x), v_proj(x)，各自 .view(B, T, heads, "
             "d_head).transpose(1, 2)；对 q 和 k 做 RoPE（v 不做）；softmax(q @ k^T / "
             "sqrt(d_head))，未来的位置要掩掉；用 .transpose(1, 2).reshape(B, T, d_model) "
             "把各头拼回去；最后过 o_proj。"),
        T("RoPE, half-split: inv_freq = 10000 ** (-arange(0, d_head, 2) / d_head); angles = "
          "outer(arange(T), inv_freq); emb = cat((angles, angles), -1); x * emb.cos() + "
          "rotate_half(x) * emb.sin(), where rotate_half(x) = cat((-x2, x1), -1) on the two "
          "halves. Make every new tensor with device=x.device.",
          zh="RoPE，对半切分：inv_freq = 10000 ** (-arange(0, d_head, 2) / d_head)；angles = "
             "outer(arange(T), inv_freq)；emb = cat((angles, angles), -1)；x * emb.cos() + "
             "rotate_half(x) * emb.sin()，其中 rotate_half(x) = cat((-x2, x1), -1)，x1、x2 "
             "是 x 的前后两半。新建的张量都要带 device=x.device。"),
        T("Keep float16 safe: square in RMSNorm, rotate, and softmax in float32 (x ** 2 of a "
          "stream of 300 overflows float16), then .to(x.dtype). The causal mask: "
          "torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1) filled with "
          "float('-inf').",
          zh="保证 float16 下不出问题：RMSNorm 里的平方、RoPE 旋转和 softmax 都在 float32 "
             "下做（残差流为 300 时 x ** 2 会在 float16 里上溢），最后 .to(x.dtype)。因果掩码："
             "torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1) 为 True 的位置"
             "填 float('-inf')。"),
    ),
    mistakes=(
        Mistake("post-norm",
                T("norms after each residual add, norm(x + attn(x)): that is post-norm; "
                  "pre-norm normalises only the sublayer's input, h = x + attn(attn_norm(x))",
                  zh="每次残差相加之后才归一化，norm(x + attn(x))：这是 post-norm；pre-norm "
                     "只归一化子层的输入，h = x + attn(attn_norm(x))"), PostNorm),
        Mistake("missing-residual",
                T("the attention's output replaces the stream instead of adding to it: "
                  "h = x + self.attn(self.attn_norm(x))",
                  zh="注意力的输出取代了残差流，而不是加到残差流上："
                     "h = x + self.attn(self.attn_norm(x))"), MissingResidual),
        Mistake("norm-on-wrong-branch",
                T("the norm is applied to the stream (x = norm(x); x = x + attn(x)), so the "
                  "residual path carries normalised x: normalise only what the sublayer "
                  "reads, x + attn(attn_norm(x))",
                  zh="归一化作用在了残差流本身（x = norm(x); x = x + attn(x)），残差路径上传的"
                     "是归一化后的 x：只归一化子层读入的那份，x + attn(attn_norm(x))"),
                NormOnWrongBranch),
        Mistake("norms-swapped",
                T("attention reads mlp_norm and the MLP reads attn_norm: attn_norm goes before "
                  "self.attn, mlp_norm before self.mlp",
                  zh="注意力用了 mlp_norm，MLP 用了 attn_norm：attn_norm 放在 self.attn 之前，"
                     "mlp_norm 放在 self.mlp 之前"), NormsSwapped),
        Mistake("no-causal-mask",
                T("no causal mask, so position t reads later tokens: fill the scores above the "
                  "diagonal with float('-inf') before the softmax",
                  zh="没有因果掩码，位置 t 能看到它后面的 token：softmax 之前把对角线以上的"
                     "分数填成 float('-inf')"), NoCausalMask),
        Mistake("rope-interleaved",
                T("RoPE turns pairs (2i, 2i+1) (GPT-J's layout); the contract pairs feature i "
                  "with i + d_head/2: x * cos + rotate_half(x) * sin with the angles repeated "
                  "as cat((a, a), -1)",
                  zh="RoPE 旋转的是相邻的 (2i, 2i+1) 对（GPT-J 的排布）；约定是第 i 维与第 "
                     "i + d_head/2 维配对：x * cos + rotate_half(x) * sin，角度按 "
                     "cat((a, a), -1) 重复一遍"), RopeInterleaved),
        Mistake("norm-in-half-precision",
                T("RMSNorm squares x in float16, where any |x| > 256 squares to inf and the "
                  "row normalises to zeros: square and average in float32, then .to(x.dtype)",
                  zh="RMSNorm 在 float16 下对 x 求平方，|x| > 256 时平方就成了 inf，整行被"
                     "归一化成 0：平方和求均值要在 float32 下做，再 .to(x.dtype)"),
                NormInHalfPrecision),
    ),
)
