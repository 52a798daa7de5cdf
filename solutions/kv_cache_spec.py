"""The KV-cache attention drill: cases, drives, properties, hints and known mistakes."""

import math

import torch

from handwrite.grader.compare import tolerance
from handwrite.grader.i18n import T, both, tr
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.kv_cache import CachedSelfAttention

reference = CachedSelfAttention  # the class every mistake subclasses (see grader/selftest.py)

# A case's dims: B batch, T positions in all (or, with a given cache, N new positions on P
# cached ones, T = P + N), C = d_model, H = heads, D = d_head = C // H (named so that shape
# messages name it back).


def _chunked(*steps, scale=1.0):
    """x (B, T, C) and the chunk sizes for prefill_then_decode: steps[0] is the prefill, the
    rest are decode calls; they add up to T."""
    def build(r, d):
        assert sum(steps) == d.T and d.C == d.H * d.D, (steps, d)
        x = r.normal(d.B, d.T, d.C, scale=scale)  # (B, T, C)
        return Call((x, steps), init_args=(d.C, d.H))
    return build


def _interleaved(*steps, scale=1.0):
    """x (B, T, C) decoded in chunks of steps, and another sequence, other (B, T, C), prefilled
    and decoded in between: see two_sequences."""
    def build(r, d):
        assert sum(steps) == d.T and d.C == d.H * d.D, (steps, d)
        x = r.normal(d.B, d.T, d.C, scale=scale)  # (B, T, C)
        other = r.normal(d.B, d.T, d.C, scale=scale)  # (B, T, C)
        return Call((x, steps), {"other": other}, init_args=(d.C, d.H))
    return build


def _given_cache(scale=1.0, noncontiguous=False, past=True):
    """x (B, N, C) and, with past, the caller's cache=(k_past, v_past), each (B, H, P, D). The
    cache is random: any tensors of those shapes are a past the module must take as it is.
    Its size is that of a real one: projections of x come out ~0.6 times as large as x."""
    def build(r, d):
        assert d.C == d.H * d.D, d
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(d.B, d.N, d.C, scale=scale)  # (B, N, C)
        if not past:
            return Call((x,), init_args=(d.C, d.H))
        k_past = make(d.B, d.H, d.P, d.D, scale=0.6 * scale)  # (B, H, P, D)
        v_past = make(d.B, d.H, d.P, d.D, scale=0.6 * scale)  # (B, H, P, D)
        return Call((x,), {"cache": (k_past, v_past)}, init_args=(d.C, d.H))
    return build


def _later_tokens_changed(call, r, d):
    # Every new token after the first becomes another token: the first one, at position P,
    # may read the cache and itself only, so its output must not move.
    x = call.args[0]
    noise = r.normal(*x.shape, scale=30.0)  # (B, N, C)
    x = torch.cat([x[:, :1], noise[:, 1:]], dim=1)  # (B, N, C)
    # A cache of its own: an attempt that (wrongly) grows the caller's cache in place must
    # fail the rules check for that, not this one.
    cache = tuple(t.clone() for t in call.kwargs["cache"])
    return Call((x,), {"cache": cache}, call.init_args, call.init_kwargs)


# --- drives: how the module is called (they run in the sandbox, as source: torch only) ----

def call_once(attn, x, cache=None):
    """One forward; its (y, (k, v)) is compared as the three tensors y, k_cache, v_cache."""
    out = attn(x) if cache is None else attn(x, cache)
    if not (isinstance(out, (tuple, list)) and len(out) == 2
            and isinstance(out[1], (tuple, list)) and len(out[1]) == 2):
        raise TypeError(tr("forward returned {what}: it must return (y, (k, v)), the output "
                           "and the new cache", "forward 返回了 {what}：它必须返回 (y, (k, v))，"
                           "即输出和新缓存", what=type(out).__name__))
    y, (k, v) = out
    return y, k, v


def first_new_token(attn, x, cache):
    """y of the first new token alone, (B, 1, C): the leak test changes the later ones."""
    out = attn(x, cache)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(tr("forward returned {what}: it must return (y, (k, v)), the output "
                           "and the new cache", "forward 返回了 {what}：它必须返回 (y, (k, v))，"
                           "即输出和新缓存", what=type(out).__name__))
    return out[0][:, :1]


def prefill_then_decode(attn, x, steps):
    """forward on x's first steps[0] tokens (cache=None), then on each next steps[i] tokens
    with the cache the call before returned. Returns y of all those calls side by side, the
    last cache, how many rows k_proj and v_proj projected beyond the new tokens (forward hooks
    count them), and y of one more call on all of x with cache=None: the full forward."""
    def step(x, cache=None):
        out = attn(x) if cache is None else attn(x, cache)
        if not (isinstance(out, (tuple, list)) and len(out) == 2
                and isinstance(out[1], (tuple, list)) and len(out[1]) == 2):
            raise TypeError(tr("forward returned {what}: it must return (y, (k, v)), the "
                               "output and the new cache", "forward 返回了 {what}：它必须返回 "
                               "(y, (k, v))，即输出和新缓存", what=type(out).__name__))
        return out

    rows = []

    def count(layer, inputs, output):
        rows.append(output.shape[:-1].numel())

    hooks = [attn.k_proj.register_forward_hook(count),
             attn.v_proj.register_forward_hook(count)]
    ys, cache, start = [], None, 0
    for n in steps:
        y, cache = step(x[:, start:start + n], cache)
        ys.append(y)
        start += n
    for hook in hooks:
        hook.remove()
    # Each of the B * T tokens goes through k_proj once and v_proj once. Any row beyond that is
    # a past token projected again. (A k_proj called some other way than k_proj(...) counts
    # nothing, and recomputes nothing that the hooks can see: 0, like the reference.)
    again = max(sum(rows) - 2 * x.shape[0] * x.shape[1], 0)
    y_full, _ = step(x)
    return (torch.cat(ys, dim=1), cache[0], cache[1], torch.tensor(again, device=x.device),
            y_full)


def two_sequences(attn, x, steps, other):
    """x decoded as prefill_then_decode does, while another sequence is prefilled (3 tokens)
    and decoded (one token a call) on the same module between x's calls, each with its own
    cache: the cache passed in must be all the module remembers. Returns x's y side by side
    and x's last cache."""
    def step(x, cache=None):
        out = attn(x) if cache is None else attn(x, cache)
        if not (isinstance(out, (tuple, list)) and len(out) == 2
                and isinstance(out[1], (tuple, list)) and len(out[1]) == 2):
            raise TypeError(tr("forward returned {what}: it must return (y, (k, v)), the "
                               "output and the new cache", "forward 返回了 {what}：它必须返回 "
                               "(y, (k, v))，即输出和新缓存", what=type(out).__name__))
        return out

    ys, cache, start = [], None, 0
    _, other_cache = step(other[:, :3])
    for i, n in enumerate(steps):
        y, cache = step(x[:, start:start + n], cache)
        ys.append(y)
        start += n
        _, other_cache = step(other[:, 3 + i:4 + i], other_cache)
    return torch.cat(ys, dim=1), cache[0], cache[1]


# --- properties: checks on the attempt's own output -----------------------------------------

def _agrees_with_full_forward(magnitude=1.0, category="numerics"):
    def test(call, out, seen):
        y_steps, y_full = out[0], out[4]
        tol = tolerance(y_full.dtype, magnitude).scaled(2)  # each is within tol of the truth
        # nan where the full forward is nan too is another check's business (stability)
        bad = ~torch.isclose(y_steps.double(), y_full.double(), tol.rtol, tol.atol,
                             equal_nan=True)  # (B, T, C)
        bad_positions = bad.any(dim=0).any(dim=-1).nonzero().flatten().tolist()
        if not bad_positions:
            return None
        steps, t = call.args[1], bad_positions[0]
        ends = [sum(steps[:i + 1]) for i in range(len(steps))]
        chunk = next(i for i, end in enumerate(ends) if t < end)
        if chunk == 0:
            where = T("in the prefill (no cache yet)",
                      zh="差异出现在 prefill 中（此时还没有缓存）")
        else:
            where = both("from position {t} on, in decode call {chunk} (a chunk of {n} new "
                         "tokens on a cache of {P})",
                         "差异从位置 {t} 开始，出现在第 {chunk} 次解码调用中（长度为 {P} 的缓存"
                         "之后新来的 {n} 个 token）", t=t, chunk=chunk, n=steps[chunk],
                         P=ends[chunk - 1])
        return both("prefill {first}, then decoding {rest} with the cache gives another y than "
                    "your own forward on the whole sequence, {where}: a cache must change "
                    "nothing but the work. Check what depends on the past length P: RoPE turns "
                    "the new tokens by positions P ... P + T - 1, and new token i may read keys "
                    "0 ... P + i",
                    "先 prefill {first} 个，再用缓存解码 {rest_zh} 个，得到的 y 与你自己对整个"
                    "序列做一次前向传播的结果不同，{where_zh}：缓存只应省下计算，别的什么都不"
                    "该改变。检查依赖过去长度 P 的地方：RoPE 按位置 P ... P + T - 1 旋转新 "
                    "token，第 i 个新 token 可以看到 key 0 ... P + i",
                    first=steps[0], rest=", ".join(map(str, steps[1:])),
                    rest_zh="、".join(map(str, steps[1:])), where=where, where_zh=where.zh)
    return Property(T("decoding with the cache gives what one full causal forward gives",
                      zh="用缓存解码的结果与一次完整的因果前向传播相同"), category, test)


def _past_not_projected_again(call, out, seen):
    again = int(out[3])
    if again == 0:
        return None
    return both("k_proj and v_proj projected {again} rows more than there were new tokens: the "
                "keys and values of past tokens come from the cache, never computed again. "
                "Project x (the new tokens) only, and keep no copy of past inputs on the module",
                "k_proj 和 v_proj 投影的行数比新 token 多出 {again} 行：过去 token 的 key 和 "
                "value 从缓存里取，绝不重新计算。只投影 x（新 token），也不要在模块上保存过去"
                "输入的副本", again=again)


def _past_kept(call, out, seen):
    past = call.kwargs["cache"]
    P = past[0].shape[2]
    for name, new, old in (("k", out[1], past[0]), ("v", out[2], past[1])):
        if not torch.equal(new[:, :, :P].to(old.dtype), old):
            return both("the returned {name}[:, :, :{P}] is not the cache that was passed "
                        "in: the new cache is the old one, then the new tokens after it, "
                        "torch.cat([{name}_past, {name}], dim=2)",
                        "返回的 {name}[:, :, :{P}] 不是传入的缓存：新缓存应是旧缓存后面接上"
                        "新 token，torch.cat([{name}_past, {name}], dim=2)", name=name, P=P)
    return None


FULL = _agrees_with_full_forward()
ONCE = Property(T("past keys and values are taken from the cache, not projected again",
                  zh="过去的 key 和 value 从缓存中取，不重新投影"), "rules",
                _past_not_projected_again)
PAST_KEPT = Property(T("the new cache starts with the caller's cache, as it was",
                       zh="新缓存的开头就是调用方传入的缓存，原样不变"), "numerics", _past_kept)

CASES = (
    Case(T("prefill 5, then decode 3, 1, 3: every dim a distinct size",
           zh="先 prefill 5 个，再解码 3、1、3 个：每个维度大小都不同"), "shape",
         dict(B=3, T=12, C=16, H=2, D=8), _chunked(5, 3, 1, 3), drive=prefill_then_decode,
         properties=(FULL, ONCE)),
    Case(T("batch of 1, decoding one token at a time",
           zh="批大小为 1，每次解码一个 token"), "shape", dict(B=1, T=7, C=12, H=3, D=4),
         _chunked(3, 1, 1, 1, 1), drive=prefill_then_decode, properties=(FULL, ONCE)),
    Case(T("prefill alone (cache=None), one rope pair (d_head=2)",
           zh="只做 prefill（cache=None），只有一对 rope 维度（d_head=2）"), "shape",
         dict(B=3, N=7, C=10, H=5, D=2), _given_cache(past=False), drive=call_once),
    Case(T("3 new tokens on a cache of 6, x and cache non-contiguous",
           zh="长度为 6 的缓存之后 3 个新 token，x 和缓存都非连续（non-contiguous）"), "shape",
         dict(B=2, N=3, P=6, T=9, C=20, H=5, D=4), _given_cache(noncontiguous=True),
         drive=call_once, properties=(PAST_KEPT,)),
    Case(T("one new token on a cache of 10",
           zh="长度为 10 的缓存之后，一个新 token"), "shape",
         dict(B=2, N=1, P=10, T=11, C=24, H=3, D=8),
         _given_cache(), drive=call_once, properties=(PAST_KEPT,)),
    Case(T("prefill 4, then decode 3, 1, 3: gradients flow through the cache",
           zh="先 prefill 4 个，再解码 3、1、3 个：梯度经由缓存回传"), "numerics",
         dict(B=2, T=11, C=24, H=4, D=6), _chunked(4, 3, 1, 3, scale=2.0),
         drive=prefill_then_decode, grad=True, properties=(FULL,)),
    Case(T("4 new tokens on the caller's cache of 5: gradients reach the cache",
           zh="调用方长度为 5 的缓存之后 4 个新 token：梯度要传到缓存"), "numerics",
         dict(B=3, N=4, P=5, T=9, C=12, H=2, D=6), _given_cache(scale=2.0), drive=call_once,
         grad=True, properties=(PAST_KEPT,)),
    Case(T("float64, prefill 6, then decode 1, 3",
           zh="float64，先 prefill 6 个，再解码 1、3 个"), "numerics",
         dict(B=2, T=10, C=18, H=3, D=6),
         _chunked(6, 1, 3, scale=2.0), dtype=torch.float64, drive=prefill_then_decode),
    Case(T("another sequence decoded in between, with its own cache",
           zh="中间穿插解码另一个序列（用它自己的缓存）"), "numerics",
         dict(B=3, T=9, C=16, H=2, D=8), _interleaved(5, 2, 2, scale=2.0), drive=two_sequences),
    Case(T("prefill 5, then a chunk of 4: new token i reads the 5 past and new 0 ... i",
           zh="prefill 5 个后整块解码 4 个：新 token i 能看到过去 5 个及新的 0 ... i"),
         "masking", dict(B=2, T=9, C=12, H=3, D=4), _chunked(5, 4, scale=2.0),
         drive=prefill_then_decode, properties=(FULL,)),
    Case(T("5 new tokens on a cache of 4: the first reads the cache and itself only",
           zh="长度为 4 的缓存之后 5 个新 token：第一个只能看到缓存和它自己"), "masking",
         dict(B=3, N=5, P=4, T=9, C=16, H=2, D=8), _given_cache(scale=2.0),
         drive=first_new_token, leak=_later_tokens_changed),
    Case(T("float16, prefill 4, then decode 2, 1, 3",
           zh="float16，先 prefill 4 个，再解码 2、1、3 个"), "stability",
         dict(B=2, T=10, C=24, H=3, D=8),
         _chunked(4, 2, 1, 3, scale=2.0), dtype=torch.float16, drive=prefill_then_decode),
    Case(T("bfloat16, prefill 6, then decode 1, 1, 4",
           zh="bfloat16，先 prefill 6 个，再解码 1、1、4 个"), "stability",
         dict(B=3, T=12, C=16, H=2, D=8), _chunked(6, 1, 1, 4, scale=2.0), dtype=torch.bfloat16,
         drive=prefill_then_decode),
    # Inputs of ~20 give queries and keys of ~10 and scores of ~1e2 to 1e3: exp of them
    # overflows unless the row max goes first.
    Case(T("inputs of magnitude 20, prefill 5, then decode 3, 1, 3",
           zh="量级为 20 的输入，先 prefill 5 个，再解码 3、1、3 个"), "stability",
         dict(B=2, T=12, C=24, H=3, D=8), _chunked(5, 3, 1, 3, scale=20.0), magnitude=1e3,
         drive=prefill_then_decode, properties=(_agrees_with_full_forward(1e3, "stability"),)),
)


# --- known mistakes -------------------------------------------------------------------------

class CacheOnWrongDim(CachedSelfAttention):
    def forward(self, x, cache=None):
        B, T, C = x.shape
        P = 0 if cache is None else cache[0].shape[2]
        q = self.rope(self.split_heads(self.q_proj(x)), P)
        k = self.rope(self.split_heads(self.k_proj(x)), P)
        v = self.split_heads(self.v_proj(x))
        if cache is not None:
            # the bug: dim 1 is the heads of (B, heads, T, d_head), not the time
            k = torch.cat([cache[0], k], dim=1)
            v = torch.cat([cache[1], v], dim=1)
        y = self.attend(q, k, v, P)
        return self.o_proj(y.transpose(1, 2).reshape(B, T, C)), (k, v)


class MaskWithoutOffset(CachedSelfAttention):
    def attend(self, q, k, v, P):
        dtype = q.dtype
        q, k, v = q.float(), k.float(), v.float()
        T, Tk = q.shape[-2], k.shape[-2]
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if T > 1:  # one token needs no mask; a chunk does ...
            # the bug: tril() without diagonal=P: new token i reads keys 0 ... i, not 0 ... P + i
            visible = torch.ones(T, Tk, dtype=torch.bool, device=q.device).tril()
            scores = scores.masked_fill(~visible, float("-inf"))
        return (scores.softmax(dim=-1) @ v).to(dtype)


class NoMaskWithCache(CachedSelfAttention):
    def attend(self, q, k, v, P):
        # the bug: no mask once there is a cache, as if every decode call had one token
        return super().attend(q, k, v, k.shape[-2] if P > 0 else 0)


class PositionOffsetLost(CachedSelfAttention):
    def rope(self, t, start):
        return super().rope(t, 0)  # the bug: every call turns its tokens from position 0


class RopeInterleaved(CachedSelfAttention):
    def rope(self, t, start):
        # the bug: GPT-J's pairs (2j, 2j + 1), not the half-split pairs (j, j + d_head/2)
        B, H, T, D = t.shape
        pairs = t.unflatten(-1, (D // 2, 2)).transpose(-1, -2).flatten(-2)  # evens, then odds
        turned = super().rope(pairs, start)
        return turned.unflatten(-1, (2, D // 2)).transpose(-1, -2).flatten(-2)


class CacheBeforeRope(CachedSelfAttention):
    def forward(self, x, cache=None):
        B, T, C = x.shape
        P = 0 if cache is None else cache[0].shape[2]
        q = self.rope(self.split_heads(self.q_proj(x)), P)
        k = self.split_heads(self.k_proj(x))  # the bug: cached as projected, not turned ...
        v = self.split_heads(self.v_proj(x))
        if cache is not None:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        y = self.attend(q, self.rope(k, 0), v, P)  # ... and every key turned again each call
        return self.o_proj(y.transpose(1, 2).reshape(B, T, C)), (k, v)


DRILL = Drill(
    id="kv_cache",
    title=T("Self-attention with a KV cache (prefill, then decode)",
            zh="带键值缓存（KV cache）的自注意力（先 prefill，再解码）"),
    difficulty="hard",
    tags=("attention", "llm", "inference", "modules"),
    minutes=20,
    entry="CachedSelfAttention",
    reference=CachedSelfAttention,
    cases=CASES,
    # The names torch reports: F.scaled_dot_product_attention and its aten kernels
    # (_scaled_dot_product_flash_attention_for_cpu, _scaled_dot_product_attention_math, ...),
    # and nn.MultiheadAttention's multi_head_attention_forward / _native_multi_head_attention.
    forbidden=("scaled_dot_product", "multi_head_attention"),
    aliases=("kv-cache", "kvcache", "cached-attention", "incremental-decoding"),
    outputs=("y", "k_cache", "v_cache", "past_rows_projected_again", "y_full_forward"),
    hints=(
        T("A cache saves work and changes nothing else: prefill, then decoding chunk by chunk, "
          "must give what one causal forward over the whole sequence gives. Ask of every step: "
          "what is different when P tokens came before?",
          zh="缓存只省计算，别的什么都不改变：先 prefill、再逐块解码，结果必须与对整个序列做"
             "一次因果前向传播相同。每一步都问问自己：前面已经有 P 个 token 时，有什么不一样？"),
        T("Project only the new tokens; they sit at positions P ... P + T - 1, with "
          "P = cache[0].shape[2], so RoPE turns them from P, not from 0. Keys go into the cache "
          "already turned.",
          zh="只投影新 token；它们位于位置 P ... P + T - 1，其中 P = cache[0].shape[2]，所以 "
             "RoPE 要从位置 P 开始旋转，而不是从 0 开始。存进缓存的 key 是已经旋转过的。"),
        T("Append on the time dim: k = torch.cat([k_past, k], dim=2), "
          "(B, heads, P + T, d_head), the same for v; return (y, (k, v)). torch.cat makes new "
          "tensors, so the caller's cache stays as it was; keep nothing on self.",
          zh="沿时间维拼接：k = torch.cat([k_past, k], dim=2)，得到 (B, heads, P + T, d_head)，"
             "v 也一样；返回 (y, (k, v))。torch.cat 会生成新张量，调用方的缓存因此保持原样；"
             "self 上什么都不要存。"),
        T("Mask: new token i sits at P + i and reads keys 0 ... P + i: torch.ones(T, P + T, "
          "dtype=torch.bool, device=x.device).tril(diagonal=P), then masked_fill(~visible, "
          "float('-inf')). A plain tril() is wrong as soon as P > 0 and T > 1.",
          zh="掩码：第 i 个新 token 位于 P + i，能看到 key 0 ... P + i：torch.ones(T, P + T, "
             "dtype=torch.bool, device=x.device).tril(diagonal=P)，再 masked_fill(~visible, "
             "float('-inf'))。只要 P > 0 且 T > 1，不带偏移的 tril() 就是错的。"),
        T("RoPE half-split: t1, t2 = t.chunk(2, -1); angles = pos[:, None] * 10000 ** "
          "(-2 * arange(d_head // 2) / d_head); cat(t1 * cos - t2 * sin, t2 * cos + t1 * sin). "
          "Compute the angles in float32, with device=x.device.",
          zh="RoPE 对半切分：t1, t2 = t.chunk(2, -1)；angles = pos[:, None] * 10000 ** "
             "(-2 * arange(d_head // 2) / d_head)；cat(t1 * cos - t2 * sin, t2 * cos + t1 * "
             "sin)。角度用 float32 计算，并指定 device=x.device。"),
    ),
    mistakes=(
        Mistake("cache-on-wrong-dim",
                T("k and v are appended on dim 1, the heads of (B, heads, T, d_head): append on "
                  "the time dim, torch.cat([k_past, k], dim=2)",
                  zh="k 和 v 被拼在了第 1 维上，那是 (B, heads, T, d_head) 的头维：要沿时间维"
                     "拼接，torch.cat([k_past, k], dim=2)"), CacheOnWrongDim),
        Mistake("mask-without-offset",
                T("a chunk of T > 1 new tokens on a cache gets a plain tril() mask, so new token "
                  "i reads keys 0 ... i and misses most of the past: shift the edge by the past "
                  "length, tril(diagonal=P) on a (T, P + T) mask",
                  zh="有缓存时，一块 T > 1 个新 token 用了不带偏移的 tril() 掩码，于是第 i 个"
                     "新 token 只能看到 key 0 ... i，漏掉了大部分过去的 token：要把边界按过去"
                     "的长度平移，在 (T, P + T) 的掩码上用 tril(diagonal=P)"), MaskWithoutOffset),
        Mistake("no-mask-with-cache",
                T("with a cache, nothing is masked, as if each decode call had one token: a "
                  "chunk's new token i must not read the new tokens after it, "
                  "tril(diagonal=P) on a (T, P + T) mask",
                  zh="有缓存时完全不加掩码，好像每次解码调用都只有一个 token：一块新 token 中"
                     "的第 i 个不能看到它之后的新 token，在 (T, P + T) 的掩码上用 "
                     "tril(diagonal=P)"), NoMaskWithCache),
        Mistake("position-offset-lost",
                T("RoPE turns each call's tokens from position 0: they sit at P ... P + T - 1, "
                  "with P = cache[0].shape[2], the number of cached positions",
                  zh="RoPE 每次调用都从位置 0 开始旋转：新 token 实际位于 P ... P + T - 1，"
                     "其中 P = cache[0].shape[2]，即缓存中的位置数"),
                PositionOffsetLost),
        Mistake("rope-interleaved",
                T("RoPE pairs features (2j, 2j + 1), as GPT-J does: the contract's pairs are "
                  "half-split, (j, j + d_head/2): t1, t2 = t.chunk(2, dim=-1)",
                  zh="RoPE 像 GPT-J 那样把 (2j, 2j + 1) 维配成一对：约定要求的是对半切分的"
                     "配对 (j, j + d_head/2)：t1, t2 = t.chunk(2, dim=-1)"), RopeInterleaved),
        Mistake("cache-before-rope",
                T("the cache holds keys before RoPE and every call turns them all again: turn "
                  "the new keys once, by their positions, then cache them turned",
                  zh="缓存里存的是 RoPE 之前的 key，每次调用又把它们全部重新旋转一遍：新 key "
                     "应按各自的位置只旋转一次，再把旋转后的结果存进缓存"),
                CacheBeforeRope),
    ),
)
