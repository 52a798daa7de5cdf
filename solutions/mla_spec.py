"""The multi-head latent attention (MLA) drill: cases, drives, properties, hints and known
mistakes."""

import math

import torch

from handwrite.grader.i18n import T, both, tr
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.mla import MultiHeadLatentAttention

reference = MultiHeadLatentAttention  # the class every mistake subclasses (see selftest.py)

# A case's dims: B batch, T positions in x, P positions already in a given cache (Tk = P + T
# keys), C = d_model, H = n_heads, hs = d_head, dc = d_c, dcq = d_cq, dr = d_rope.
REPEAT = (0, 3)  # the positions that get the same token in the repeated-token case


def _inputs(scale=1.0, noncontiguous=False, past=False, repeat=False):
    """x (B, T, C); with past, a cache (c_kv (B, P, dc), k_r (B, P, dr)) as the cache=
    argument; with repeat, x is the same at both REPEAT positions. The cache is random: any
    tensors of those shapes are a past the module must take as it is. Its size is that of a
    real one: W_DKV x and W_KR x come out ~0.6 times as large as x."""
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(d.B, d.T, d.C, scale=scale)  # (B, T, C)
        if repeat:
            x[:, REPEAT[1]] = x[:, REPEAT[0]]
        kwargs = {}
        if past:
            c_kv = r.normal(d.B, d.P, d.dc, scale=0.6 * scale)  # (B, P, dc)
            k_r = r.normal(d.B, d.P, d.dr, scale=0.6 * scale)  # (B, P, dr)
            kwargs["cache"] = (c_kv, k_r)
        return Call((x,), kwargs, init_args=(d.C, d.H, d.hs, d.dc, d.dcq, d.dr))
    return build


def _prefill(scale=1.0):
    """x (B, T, C) and prefill=P for prefill_then_decode."""
    def build(r, d):
        x = r.normal(d.B, d.T, d.C, scale=scale)  # (B, T, C)
        return Call((x,), {"prefill": d.P}, init_args=(d.C, d.H, d.hs, d.dc, d.dcq, d.dr))
    return build


# --- drives: how the module is called (they run in the sandbox, as source: torch and tr) -

def call_once(module, x, cache=None):
    """One forward; its (y, (c_kv, k_r)) is compared as the three tensors y, c_kv, k_r."""
    out = module(x) if cache is None else module(x, cache)
    if not (isinstance(out, (tuple, list)) and len(out) == 2
            and isinstance(out[1], (tuple, list)) and len(out[1]) == 2):
        what = type(out).__name__
        what += f" of {len(out)}" if isinstance(out, (tuple, list)) else ""
        raise TypeError(tr("forward returned a {what}: it must return (y, (c_kv, k_r)), the "
                           "output and the new cache", "forward 返回了 {what}：应返回 "
                           "(y, (c_kv, k_r))，即输出和新的缓存", what=what))
    y, (c_kv, k_r) = out
    return y, c_kv, k_r


def prefill_then_decode(module, x, prefill):
    """forward on x[:, :prefill], then on each later position alone, passing back the cache
    each call returned: y of all the calls side by side, and the last cache. In between, a
    call on another sequence of the same length, whose result is dropped: the cache passed in
    must be all the module remembers (no k and v kept on self)."""
    def step(x, cache=None):
        out = module(x) if cache is None else module(x, cache)
        if not (isinstance(out, (tuple, list)) and len(out) == 2
                and isinstance(out[1], (tuple, list)) and len(out[1]) == 2):
            what = type(out).__name__
            what += f" of {len(out)}" if isinstance(out, (tuple, list)) else ""
            raise TypeError(tr("forward returned a {what}: it must return (y, (c_kv, k_r)), "
                               "the output and the new cache", "forward 返回了 {what}：应返回 "
                               "(y, (c_kv, k_r))，即输出和新的缓存", what=what))
        return out

    y, cache = step(x[:, :prefill])
    ys = [y]
    step(x[:, :prefill].flip(1))  # another sequence: nothing of it may reach the next steps
    for t in range(prefill, x.shape[1]):
        y, cache = step(x[:, t:t + 1], cache)
        ys.append(y)
    return torch.cat(ys, dim=1), cache[0], cache[1]


def first_new_position(module, x, cache):
    """y of the first new position alone (B, C): the leak test changes the later ones."""
    out = module(x, cache)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        what = type(out).__name__
        what += f" of {len(out)}" if isinstance(out, (tuple, list)) else ""
        raise TypeError(tr("forward returned a {what}: it must return (y, (c_kv, k_r)), the "
                           "output and the new cache", "forward 返回了 {what}：应返回 "
                           "(y, (c_kv, k_r))，即输出和新的缓存", what=what))
    return out[0][:, 0]


def _later_positions_changed(call, r, d):
    # Every new position after the first gets another token: the first one, at past + 0, may
    # see the cache and itself only, so its output must not move.
    x = call.args[0]
    noise = r.normal(*x.shape, scale=5.0)  # (B, T, C)
    x = torch.cat([x[:, :1], noise[:, 1:]], dim=1)  # (B, T, C)
    return Call((x,), call.kwargs, call.init_args, call.init_kwargs)


# --- properties: checks on the attempt's own output -----------------------------------------

def _past_kept(call, out, seen):
    """The new cache starts with the cache passed in, untouched, rows and values alike."""
    past_c, past_r = call.kwargs["cache"]
    _, c_kv, k_r = out
    P = past_c.shape[1]
    for name, new, old in (("c_kv", c_kv, past_c), ("k_r", k_r, past_r)):
        if not torch.equal(new[:, :P].to(old.dtype), old):
            return both("{name}[:, :{P}] is not the cache that was passed in: the new cache is "
                        "the old one with the new positions after it, "
                        "torch.cat([past, new], dim=1)",
                        "{name}[:, :{P}] 不是传入的缓存：新缓存应是旧缓存后面接上新位置，"
                        "torch.cat([past, new], dim=1)", name=name, P=P)
    return None


def _latent_has_no_position(call, out, seen):
    """The same token at two positions gets the same latent: c_KV = W_DKV h, no RoPE."""
    _, c_kv, _ = out
    a, b = (c_kv[:, i].double() for i in REPEAT)  # (B, dc) each
    if torch.allclose(a, b, rtol=1e-4, atol=1e-5):
        return None
    return both("x is the same at positions {a} and {b}, but c_kv is not: the latent "
                "c_KV = W_DKV h carries no position. RoPE goes on q_R and k_R only",
                "x 在位置 {a} 和 {b} 相同，c_kv 却不同：潜向量 c_KV = W_DKV h 不含位置"
                "信息。RoPE 只作用于 q_R 和 k_R", a=REPEAT[0], b=REPEAT[1])


def _rope_key_turned(call, out, seen):
    """k_R(p) = R(p) W_KR h, so for the same h, k_R(3) = R(3) k_R(0): a check that needs no
    weights, on the cached (rotated) key."""
    _, _, k_r = out
    k0, k3 = (k_r[:, i].double() for i in REPEAT)  # (B, dr) each
    d = k0.shape[-1]
    steps = REPEAT[1] - REPEAT[0]
    inv_freq = 10000.0 ** (-2 * torch.arange(d // 2, dtype=torch.float64) / d)  # (dr/2,)
    angles = (steps * inv_freq).repeat(2)  # (dr,): pair i and i + dr/2 share one
    rotate_half = torch.cat([-k0[..., d // 2:], k0[..., :d // 2]], dim=-1)  # (B, dr)
    turned = k0 * angles.cos() + rotate_half * angles.sin()  # (B, dr): k0 turned by `steps`
    if torch.allclose(k3, turned, rtol=1e-4, atol=1e-5):
        return None
    if torch.allclose(k3, k0, rtol=1e-4, atol=1e-5):
        return both("x is the same at positions {a} and {b}, and so is k_r: the cache must "
                    "hold k_R after RoPE, k_R = RoPE(W_KR h) (eq. 15), turned once by its own "
                    "position",
                    "x 在位置 {a} 和 {b} 相同，k_r 也相同：缓存里必须存 RoPE 之后的 k_R，"
                    "k_R = RoPE(W_KR h)（式 15），按它自己的位置旋转一次",
                    a=REPEAT[0], b=REPEAT[1])
    return both("k_r at position {b} is not k_r at position {a} (same token) turned by {steps} "
                "positions: RoPE is half-split, feature i turns with feature i + d_rope/2 by "
                "pos * 10000^(-2i/d_rope)",
                "位置 {b} 的 k_r 不等于位置 {a} 的 k_r（同一个 token）旋转 {steps} 个位置后"
                "的结果：RoPE 采用对半切分，第 i 维与第 i + d_rope/2 维一起旋转 "
                "pos * 10000^(-2i/d_rope)", a=REPEAT[0], b=REPEAT[1], steps=steps)


PAST_KEPT = Property(T("the past positions of the cache are kept as they were",
                       zh="缓存中过去的位置保持原样"), "numerics", _past_kept)

CASES = (
    Case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape",
         dict(B=2, T=5, C=32, H=3, hs=6, dc=8, dcq=12, dr=4), _inputs(), drive=call_once),
    Case(T("batch of 1, one rope pair (d_rope=2)", zh="批大小为 1，只有一对 rope 维度（d_rope=2）"),
         "shape", dict(B=1, T=7, C=20, H=4, hs=5, dc=8, dcq=10, dr=2), _inputs(), drive=call_once),
    Case(T("non-contiguous x", zh="非连续（non-contiguous）的 x"), "shape",
         dict(B=3, T=5, C=16, H=2, hs=6, dc=10, dcq=12, dr=4), _inputs(noncontiguous=True),
         drive=call_once),
    Case(T("one new position (T=1) on a cache of 6", zh="长度为 6 的缓存之后，一个新位置（T=1）"),
         "shape", dict(B=2, T=1, P=6, Tk=7, C=32, H=3, hs=5, dc=8, dcq=12, dr=4),
         _inputs(past=True), drive=call_once, properties=(PAST_KEPT,)),
    Case(T("random inputs", zh="随机输入"), "numerics",
         dict(B=2, T=6, C=32, H=3, hs=5, dc=8, dcq=12, dr=4), _inputs(scale=2.0),
         drive=call_once, grad=True),
    Case(T("float64", zh="float64"), "numerics",
         dict(B=3, T=5, C=24, H=2, hs=6, dc=8, dcq=10, dr=4), _inputs(scale=2.0),
         dtype=torch.float64, drive=call_once),
    # The reference's y here equals its y of one call on all T positions: decoding through
    # the cache must give the same answer as the full forward.
    Case(T("prefill 4 positions, then decode 3 one at a time",
           zh="先 prefill 4 个位置，再逐个解码 3 个"), "numerics",
         dict(B=2, P=4, S=3, T=7, C=32, H=5, hs=9, dc=8, dcq=12, dr=6), _prefill(scale=2.0),
         drive=prefill_then_decode, grad=True),
    Case(T("3 new positions on a cache of 5", zh="长度为 5 的缓存之后，3 个新位置"), "numerics",
         dict(B=2, T=3, P=5, Tk=8, C=24, H=4, hs=7, dc=10, dcq=12, dr=6),
         _inputs(scale=2.0, past=True), drive=call_once, grad=True, properties=(PAST_KEPT,)),
    Case(both("the same token at positions {a} and {b}", "位置 {a} 和 {b} 是同一个 token",
              a=REPEAT[0], b=REPEAT[1]), "numerics",
         dict(B=2, T=6, C=32, H=3, hs=5, dc=8, dcq=12, dr=4), _inputs(scale=2.0, repeat=True),
         drive=call_once, properties=(
             Property(T("the latent c_kv carries no position", zh="潜向量 c_kv 不含位置信息"),
                      "numerics", _latent_has_no_position),
             Property(T("k_r is cached after RoPE, turned by its position",
                        zh="缓存的 k_r 是 RoPE 之后的值，已按其位置旋转"), "numerics",
                      _rope_key_turned))),
    # No leak test without a cache: every position is a query too, so no input can change
    # without moving some output. A future that leaks shows as a plain mismatch here.
    Case(T("causal: position i sees positions 0 ... i only", zh="因果：位置 i 只能看到位置 0 ... i"),
         "masking", dict(B=3, T=7, C=20, H=2, hs=6, dc=8, dcq=10, dr=4), _inputs(scale=2.0),
         drive=call_once, grad=True),
    Case(T("3 new positions on a cache of 5: the first sees the cache and itself only",
           zh="长度为 5 的缓存之后 3 个新位置：第一个只能看到缓存和它自己"),
         "masking", dict(B=2, T=3, P=5, C=24, H=4, hs=6, dc=8, dcq=12, dr=10),
         _inputs(scale=2.0, past=True), drive=first_new_position,
         leak=_later_positions_changed),
    Case(T("float16, prefill 3 then decode 2", zh="float16，先 prefill 3 个位置，再解码 2 个"),
         "stability", dict(B=2, P=3, T=5, C=32, H=4, hs=7, dc=8, dcq=12, dr=6), _prefill(scale=2.0),
         dtype=torch.float16, drive=prefill_then_decode),
    Case(T("bfloat16, 2 new positions on a cache of 4",
           zh="bfloat16，长度为 4 的缓存之后，2 个新位置"), "stability",
         dict(B=3, T=2, P=4, Tk=6, C=24, H=5, hs=7, dc=12, dcq=16, dr=8),
         _inputs(scale=2.0, past=True), dtype=torch.bfloat16, drive=call_once),
    # Inputs of ~20 give queries and keys of ~7 and scores of ~1e2: exp of them overflows
    # float32 unless the row max goes first.
    Case(T("inputs of magnitude 20", zh="量级为 20 的输入"), "stability",
         dict(B=2, T=6, C=32, H=3, hs=5, dc=8, dcq=12, dr=4), _inputs(scale=20.0),
         magnitude=1e3, drive=call_once),
)


# --- known mistakes -------------------------------------------------------------------------

class RopeOnLatent(MultiHeadLatentAttention):
    def compress(self, x, pos):
        c_kv, k_r = super().compress(x, pos)
        return self.rope(c_kv, pos), k_r  # the bug: the latent is turned by its position too


class WrongScale(MultiHeadLatentAttention):
    def attend(self, q, k, v, past):
        dtype = q.dtype
        q, k, v = q.float(), k.float(), v.float()
        T, Tk = q.shape[-2], k.shape[-2]
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # the bug: d_rope left out
        future = torch.ones(T, Tk, dtype=torch.bool, device=q.device).triu(past + 1)
        return (scores.masked_fill(future, float("-inf")).softmax(dim=-1) @ v).to(dtype)


class RopeOffsetIgnored(MultiHeadLatentAttention):
    def rope(self, x, pos):
        return super().rope(x, pos - pos[0])  # the bug: new positions are counted from 0


class MaskIgnoresCache(MultiHeadLatentAttention):
    def attend(self, q, k, v, past):
        # the bug: the causal mask counts from 0, as if there were no cache (triu(1)), so new
        # position i sees cached positions 0 ... i only
        return super().attend(q, k, v, 0)


class CachesKeysAndValues(MultiHeadLatentAttention):
    def forward(self, x, cache=None):
        B, T, _ = x.shape
        past = 0 if cache is None else cache[0].shape[2]
        pos = torch.arange(past, past + T, device=x.device)
        c_q = self.w_dq(x)
        q = torch.cat([self.split_heads(self.w_uq(c_q), self.d_head),
                       self.rope(self.split_heads(self.w_qr(c_q), self.d_rope), pos)], dim=-1)
        c_kv, k_r = self.compress(x, pos)
        k = torch.cat([self.split_heads(self.w_uk(c_kv), self.d_head),
                       k_r[:, None].expand(B, self.n_heads, T, self.d_rope)], dim=-1)
        v = self.split_heads(self.w_uv(c_kv), self.d_head)
        if cache is not None:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        o = self.attend(q, k, v, past).transpose(1, 2).reshape(B, T, -1)
        # the bug: the cache holds every head's full key and value, (B, nh, Tk, hs + dr) and
        # (B, nh, Tk, hs), not the latent and the one rope key
        return self.w_o(o), (k, v)


DRILL = Drill(
    id="mla",
    title=T("Multi-head latent attention (DeepSeek-V2 MLA) with its latent cache",
            zh="多头潜在注意力（DeepSeek-V2 MLA）及其潜向量缓存"),
    difficulty="hard",
    tags=("attention", "llm", "modules", "kv-cache", "rope"),
    minutes=30,
    entry="MultiHeadLatentAttention",
    reference=MultiHeadLatentAttention,
    cases=CASES,
    outputs=("y", "c_kv", "k_r"),
    # The names torch reports: F.scaled_dot_product_attention and its aten kernels
    # (_scaled_dot_product_flash_attention_for_cpu, ...), flex_attention, and
    # nn.MultiheadAttention's multi_head_attention_forward / _native_multi_head_attention.
    forbidden=("scaled_dot_product", "flex_attention", "multi_head_attention"),
    aliases=("multi-head-latent-attention", "latent-attention", "deepseek-mla"),
    hints=(
        T("Keys and values come from one small latent per token, c_KV, and position gets a "
          "few features of its own: a rope query per head and ONE rope key shared by every "
          "head. The cache keeps only c_KV and that rope key.",
          zh="key 和 value 都来自每个 token 的一个小潜向量 c_KV，位置信息则单独占几维："
             "每个头各有一个 rope query，所有头共用同一个 rope key。缓存里只存 c_KV 和"
             "这个 rope key。"),
        T("Queries: c_Q = w_dq(x), q_C = w_uq(c_Q), q_R = RoPE(w_qr(c_Q)), both split into "
          "heads. New keys: c_KV = w_dkv(x) (no RoPE) and k_R = RoPE(w_kr(x)), "
          "(B, T, d_rope), no head axis. k_C = w_uk(c_KV), v = w_uv(c_KV).",
          zh="query：c_Q = w_dq(x)，q_C = w_uq(c_Q)，q_R = RoPE(w_qr(c_Q))，两者都要"
             "分头。新的 key：c_KV = w_dkv(x)（不加 RoPE）和 k_R = RoPE(w_kr(x))，形状 "
             "(B, T, d_rope)，没有头这一维。k_C = w_uk(c_KV)，v = w_uv(c_KV)。"),
        T("With a cache, the new positions are past ... past + T - 1, "
          "past = cache[0].shape[1]: RoPE at torch.arange(past, past + T, device=x.device); "
          "then torch.cat([cache[0], c_KV], dim=1) and the same for k_R, before k_C and v are "
          "rebuilt from all of it.",
          zh="有缓存时，新位置是 past ... past + T - 1，past = cache[0].shape[1]：RoPE "
             "用 torch.arange(past, past + T, device=x.device)；然后 "
             "torch.cat([cache[0], c_KV], dim=1)，k_R 也一样拼接，再由拼好的全部内容"
             "重新算出 k_C 和 v。"),
        T("q = cat([q_C, q_R], -1), k = cat([k_C, k_R[:, None].expand(B, n_heads, Tk, "
          "d_rope)], -1); scores / sqrt(d_head + d_rope); fill ones(T, Tk).triu(past + 1) "
          "with -inf (new position i sits at past + i); softmax(dim=-1) @ v; heads back side "
          "by side; w_o. Return (y, (c_KV, k_R)).",
          zh="q = cat([q_C, q_R], -1)，k = cat([k_C, k_R[:, None].expand(B, n_heads, Tk, "
             "d_rope)], -1)；scores / sqrt(d_head + d_rope)；把 ones(T, Tk).triu(past + 1) "
             "为 True 的位置填 -inf（新位置 i 实际位于 past + i）；softmax(dim=-1) @ v；"
             "各头并排拼回；再过 w_o。返回 (y, (c_KV, k_R))。"),
    ),
    mistakes=(
        Mistake("rope-on-latent",
                T("RoPE turns the latent c_KV too: the latent carries no position (RoPE "
                  "between W_UK and c_KV would stop W_UK being absorbed); rotate only q_R and "
                  "k_R",
                  zh="RoPE 把潜向量 c_KV 也旋转了：潜向量不含位置信息（在 W_UK 和 c_KV 之间"
                     "插入 RoPE，W_UK 就无法再被吸收）；只旋转 q_R 和 k_R"),
                RopeOnLatent),
        Mistake("wrong-scale",
                T("scores are divided by sqrt(d_head): q and k have d_head + d_rope "
                  "features, divide by math.sqrt(d_head + d_rope)",
                  zh="注意力分数除以的是 sqrt(d_head)：q 和 k 有 d_head + d_rope 维，应除以 "
                     "math.sqrt(d_head + d_rope)"), WrongScale),
        Mistake("rope-offset-ignored",
                T("with a cache, RoPE counts the new positions from 0: they are past ... "
                  "past + T - 1, torch.arange(past, past + T) with past = cache[0].shape[1]",
                  zh="有缓存时，RoPE 把新位置从 0 开始数：它们应是 past ... past + T - 1，"
                     "即 torch.arange(past, past + T)，其中 past = cache[0].shape[1]"),
                RopeOffsetIgnored),
        Mistake("mask-ignores-cache",
                T("with a cache, the causal mask counts from 0, so new positions lose cached "
                  "keys: new position i sits at past + i, mask ones(T, Tk).triu(past + 1)",
                  zh="有缓存时，因果掩码从 0 开始数，新位置因此看不到一部分缓存的 key："
                     "新位置 i 位于 past + i，掩码应为 ones(T, Tk).triu(past + 1)"),
                MaskIgnoresCache),
        Mistake("caches-keys-and-values",
                T("the cache holds every head's k and v: MLA caches only the latent c_KV "
                  "(B, Tk, d_c) and the shared rope key k_R (B, Tk, d_rope), and rebuilds k_C, "
                  "v from c_KV",
                  zh="缓存里存了每个头的 k 和 v：MLA 只缓存潜向量 c_KV (B, Tk, d_c) 和所有头"
                     "共用的 rope key k_R (B, Tk, d_rope)，k_C 和 v 由 c_KV 重新算出"),
                CachesKeysAndValues),
    ),
)
