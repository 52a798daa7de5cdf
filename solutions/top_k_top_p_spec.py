"""The top-k / top-p filtering drill: cases, hints and known mistakes."""

import math

import torch

from handwrite.grader.i18n import T
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.top_k_top_p import top_k_top_p

reference = top_k_top_p  # the name a mistake uses to call the reference (see grader/selftest.py)

# How far every case keeps its decisions from a knife edge, so that any correct way of
# computing them (float16 arithmetic, ascending sort, a loop) decides the same tokens:
P_MARGIN = 0.02  # |mass ahead of a surviving token - top_p|
TOP_K_GAP = 1e-3  # scaled logits on the two sides of the top-k cut, unless tied
TOP_P_GAP = 0.02  # and of the top-p cut: probabilities 2% apart, 5x bfloat16's rounding


def _unambiguous(logits: torch.Tensor, temperature: float, top_k: int, top_p: float) -> None:
    """Asserts that the case decides every token with room to spare (see P_MARGIN): no tie
    straddles the top-p cut, no probability sits near top_p, nothing sits just under the
    k-th value unless it is equal to it (a tie, which the contract keeps)."""
    z = logits.double() / temperature  # (B, V)
    V = z.shape[-1]
    remove = torch.zeros_like(z, dtype=torch.bool)  # (B, V)
    if 0 < top_k < V:
        kth = z.topk(top_k, dim=-1).values[:, -1:]  # (B, 1)
        remove = z < kth  # (B, V)
        below = z.masked_fill(~remove, -math.inf).amax(dim=-1, keepdim=True)  # (B, 1)
        assert bool((kth - below > TOP_K_GAP).all()), "a logit sits just under the k-th"
    if top_p < 1.0:
        probs = z.masked_fill(remove, -math.inf).softmax(dim=-1)  # (B, V)
        sorted_probs, order = probs.sort(dim=-1, descending=True)  # (B, V)
        ahead = sorted_probs.cumsum(dim=-1) - sorted_probs  # (B, V)
        alive = sorted_probs > 0  # (B, V) what top-k left
        near = (ahead - top_p).abs() <= P_MARGIN  # (B, V)
        near[:, 0] = False  # the most likely token stays, whatever top_p is
        assert not bool((near & alive).any()), "top_p on a knife edge"
        kept = ahead < top_p  # (B, V) a prefix of each sorted row
        n = kept.sum(dim=-1, keepdim=True)  # (B, 1)
        zs = z.gather(-1, order)  # (B, V) scaled logits in sorted order
        last = zs.gather(-1, n - 1)  # (B, 1) the last token kept
        first_out = zs.gather(-1, n.clamp(max=V - 1))  # (B, 1) the first token dropped
        cut = (n < V) & alive.gather(-1, n.clamp(max=V - 1))  # (B, 1) top-p cut something
        assert bool(((last - first_out > TOP_P_GAP) | ~cut).all()), "a tie at the top-p cut"


def _call(logits, temperature, top_k, top_p):
    _unambiguous(logits, temperature, top_k, top_p)
    return Call((logits,), dict(temperature=temperature, top_k=top_k, top_p=top_p))


def _random(temperature=1.0, top_k=0, top_p=1.0, scale=2.0, offset=0.0, noncontiguous=False):
    """Random logits (B, V): every argument is passed, by keyword."""
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        logits = make(d.B, d.V, scale=scale, offset=offset)  # (B, V)
        return _call(logits, temperature, top_k, top_p)
    return build


def _designed(rows, temperature=1.0, top_k=0, top_p=1.0):
    """Logits written out row by row (most likely first, for the reader), then each row
    shuffled: the answer must follow the tokens, not their rank."""
    def build(r, d):
        x = torch.tensor(rows, dtype=torch.float64)  # (B, V)
        assert x.shape == (d.B, d.V), (x.shape, d)
        shuffle = torch.stack([torch.randperm(d.V, generator=r.gen) for _ in range(d.B)])
        return _call(x.gather(-1, shuffle).to(r.dtype), temperature, top_k, top_p)
    return build


def _log(*probs):
    """Logits whose softmax is exactly these probabilities (they sum to 1)."""
    return [math.log(p) for p in probs]


def _move_what_top_k_removed(call, r, d):
    # Tokens top-k removed get new logits, still below the k-th value but closer to it: top-p
    # over the survivors can't see them; top-p over the full softmax now keeps fewer tokens.
    (logits,) = call.args
    x = logits.double()  # (B, V)
    kth = x.topk(call.kwargs["top_k"], dim=-1).values[:, -1:]  # (B, 1)
    nearer = kth - 0.2 - r.normal(d.B, d.V).double().abs()  # (B, V) all below the k-th
    return Call((torch.where(x < kth, nearer, x).to(logits.dtype),), call.kwargs)


# top_p=0.65: row 0 keeps 2 tokens (0.45 + 0.25 crosses), row 1 keeps 3 (0.30 + 0.22 + 0.16),
# row 2 keeps 1 (0.80 crosses on its own).
CROSSING = (
    _log(0.45, 0.25, 0.15, 0.08, 0.04, 0.02, 0.01),
    _log(0.30, 0.22, 0.16, 0.12, 0.10, 0.06, 0.04),
    _log(0.80, 0.10, 0.05, 0.03, 0.01, 0.007, 0.003),
)
# top_k=3: row 0 keeps 5 (three tie at the 3rd value), row 1 keeps 4 (four tie at the top),
# row 2 keeps 3 (no tie).
TIES = (
    [4.0, 3.0, 2.0, 2.0, 2.0, 1.0, 0.0, -1.0, -2.0],
    [5.0, 5.0, 5.0, 5.0, 1.0, 0.0, -1.0, -2.0, -3.0],
    [3.0, 2.5, 1.0, 0.5, 0.0, -0.5, -1.0, -1.5, -2.0],
)
# top_p=0.7 on logits / 0.5 keeps 2 tokens in row 0 and 1 in row 1; on the raw logits, 3 and 3.
SHARPENED = (
    [2.0, 1.5, 1.0, 0.5, 0.0, -0.5, -1.0, -1.5],
    [1.5, 0.4, 0.3, 0.2, -0.4, -0.5, -1.2, -2.0],
)
# top_k=6, top_p=0.8: a peaked row keeps 1 token, a flat one 5, a middling one 4.
UNEVEN_ROWS = (
    [6.0, 2.0, 1.5, 1.0, 0.5, 0.0, -0.5, -1.0, -1.5, -2.0, -2.5],
    [0.5, 0.4, 0.3, 0.2, 0.1, 0.0, -0.1, -0.2, -0.3, -0.4, -0.5],
    [2.0, 1.6, 1.2, 0.9, 0.5, 0.2, 0.1, 0.0, -0.5, -1.0, -2.0],
)
# top_k=4, then top_p=0.6 over those 4: rows keep 2, 1 and 2 tokens. Over the full softmax
# (the 8 tokens top-k removed hold much of the mass) top-p would keep 4, 3 and 4.
HEAVY_TAIL = (
    [2.0, 1.6, 1.2, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0, -0.1],
    [3.0, 1.5, 1.3, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.2, 0.0, -0.3],
    [1.0, 0.9, 0.7, 0.0, -0.2, -0.3, -0.4, -0.5, -0.6, -0.7, -0.8, -0.9],
)

CASES = (
    Case(T("every dim a distinct size: temperature=0.9, top_k=5, top_p=0.8",
           zh="每个维度大小都不同：temperature=0.9，top_k=5，top_p=0.8"),
         "shape", dict(B=3, V=10), _random(0.9, 5, 0.8, scale=1.25)),
    Case(T("batch of 1: temperature=1.2, top_k=6, top_p=0.7",
           zh="批大小为 1：temperature=1.2，top_k=6，top_p=0.7"),
         "shape", dict(B=1, V=13), _random(1.2, 6, 0.7, scale=1.5)),
    Case(T("non-contiguous logits: top_k=4, top_p=0.7",
           zh="非连续（non-contiguous）的 logits：top_k=4，top_p=0.7"),
         "shape", dict(B=4, V=9), _random(1.0, 4, 0.7, scale=2.5, noncontiguous=True)),
    Case(T("temperature=0.7 alone: top_k=0 and top_p=1.0 filter nothing",
           zh="只有 temperature=0.7：top_k=0 和 top_p=1.0 什么都不过滤"),
         "numerics", dict(B=3, V=8), _random(0.7, 0, 1.0), grad=True),
    Case(T("top_k=3 alone, temperature=1.5", zh="只用 top_k=3，temperature=1.5"),
         "numerics", dict(B=4, V=9), _random(1.5, 3, 1.0)),
    Case(T("top_p=0.6 alone", zh="只用 top_p=0.6"),
         "numerics", dict(B=3, V=12), _random(1.0, 0, 0.6)),
    Case(T("the token that crosses top_p=0.65 is kept",
           zh="累积概率越过 top_p=0.65 的那个 token 要保留"),
         "numerics", dict(B=3, V=7), _designed(CROSSING, top_p=0.65)),
    Case(T("ties at the k-th largest value are all kept: top_k=3, temperature=2.0",
           zh="与第 k 大的值相等的 token 全部保留：top_k=3，temperature=2.0"),
         "numerics", dict(B=3, V=9), _designed(TIES, temperature=2.0, top_k=3)),
    Case(T("temperature=0.5 comes before top_p=0.7: fewer tokens are kept",
           zh="temperature=0.5 先于 top_p=0.7 生效：保留的 token 更少"),
         "numerics", dict(B=2, V=8), _designed(SHARPENED, temperature=0.5, top_p=0.7)),
    Case(T("rows filtered independently (peaked, flat, middling): top_k=6, top_p=0.8",
           zh="各行独立过滤（尖峰、平坦、居中三种分布）：top_k=6，top_p=0.8"),
         "numerics", dict(B=3, V=11), _designed(UNEVEN_ROWS, top_k=6, top_p=0.8)),
    Case(T("top_p=0.01: only the most likely token is kept",
           zh="top_p=0.01：只保留概率最大的 token"),
         "numerics", dict(B=5, V=7), _random(1.0, 0, 0.01)),
    Case(T("top_k=9 > V: top-k keeps every token, then top_p=0.8",
           zh="top_k=9 > V：top-k 保留所有 token，再做 top_p=0.8"),
         "numerics", dict(B=2, V=6), _random(1.3, 9, 0.8, scale=2.5)),
    Case(T("float64: temperature=0.8, top_k=5, top_p=0.85",
           zh="float64：temperature=0.8，top_k=5，top_p=0.85"),
         "numerics", dict(B=3, V=11), _random(0.8, 5, 0.85), dtype=torch.float64),
    Case(T("top_p=0.6 measures only what top_k=4 kept",
           zh="top_p=0.6 只在 top_k=4 留下的 token 上计算"),
         "masking", dict(B=3, V=12), _designed(HEAVY_TAIL, top_k=4, top_p=0.6),
         leak=_move_what_top_k_removed),
    Case(T("float16: temperature=0.5, top_k=6, top_p=0.85",
           zh="float16：temperature=0.5，top_k=6，top_p=0.85"),
         "stability", dict(B=3, V=12), _random(0.5, 6, 0.85, scale=1.5), dtype=torch.float16),
    Case(T("bfloat16: temperature=2.0, top_k=5, top_p=0.8",
           zh="bfloat16：temperature=2.0，top_k=5，top_p=0.8"),
         "stability", dict(B=4, V=10), _random(2.0, 5, 0.8), dtype=torch.bfloat16),
    # exp(500) overflows float32 (and float64 past 709): the softmax needs its row max taken
    # out first, or the probabilities are inf / inf = nan and top-p keeps the wrong tokens.
    Case(T("logits near 500: top_k=8, top_p=0.65", zh="logits 在 500 附近：top_k=8，top_p=0.65"),
         "stability", dict(B=2, V=9), _random(1.0, 8, 0.65, scale=1.25, offset=500.0),
         magnitude=5e2),
)


def drops_crossing_token(logits, temperature=1.0, top_k=0, top_p=1.0):
    z = logits.to(torch.promote_types(logits.dtype, torch.float32)) / temperature
    remove = torch.zeros_like(z, dtype=torch.bool)
    if 0 < top_k < z.shape[-1]:
        remove = z < z.topk(top_k, dim=-1).values[:, -1:]
    if top_p < 1.0:
        probs = z.masked_fill(remove, float("-inf")).softmax(dim=-1)
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        drop_sorted = sorted_probs.cumsum(dim=-1) > top_p  # the bug: no shift by one token
        remove = remove | torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return z.masked_fill(remove, float("-inf")).to(logits.dtype)


def temperature_after_filtering(logits, temperature=1.0, top_k=0, top_p=1.0):
    # the bug: top-p measures the softmax of the raw logits; temperature only rescales after
    return reference(logits, 1.0, top_k, top_p) / temperature


def sorted_ascending(logits, temperature=1.0, top_k=0, top_p=1.0):
    z = logits.to(torch.promote_types(logits.dtype, torch.float32)) / temperature
    remove = torch.zeros_like(z, dtype=torch.bool)
    if 0 < top_k < z.shape[-1]:
        remove = z < z.topk(top_k, dim=-1).values[:, -1:]
    if top_p < 1.0:
        probs = z.masked_fill(remove, float("-inf")).softmax(dim=-1)
        sorted_probs, order = probs.sort(dim=-1)  # the bug: least likely first
        drop_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs >= top_p
        remove = remove | torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return z.masked_fill(remove, float("-inf")).to(logits.dtype)


def mask_left_in_sorted_order(logits, temperature=1.0, top_k=0, top_p=1.0):
    z = logits.to(torch.promote_types(logits.dtype, torch.float32)) / temperature
    remove = torch.zeros_like(z, dtype=torch.bool)
    if 0 < top_k < z.shape[-1]:
        remove = z < z.topk(top_k, dim=-1).values[:, -1:]
    if top_p < 1.0:
        probs = z.masked_fill(remove, float("-inf")).softmax(dim=-1)
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        drop_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs >= top_p
        remove = remove | drop_sorted  # the bug: rank i's decision lands on token i
    return z.masked_fill(remove, float("-inf")).to(logits.dtype)


def top_k_drops_ties(logits, temperature=1.0, top_k=0, top_p=1.0):
    z = logits.to(torch.promote_types(logits.dtype, torch.float32)) / temperature
    if 0 < top_k < z.shape[-1]:
        # the bug: exactly k indices survive; a token tied with the k-th value is dropped
        keep = torch.zeros_like(z, dtype=torch.bool).scatter(-1, z.topk(top_k).indices, True)
        z = z.masked_fill(~keep, float("-inf"))
    return reference(z, 1.0, 0, top_p).to(logits.dtype)


def kth_off_by_one(logits, temperature=1.0, top_k=0, top_p=1.0):
    z = logits.to(torch.promote_types(logits.dtype, torch.float32)) / temperature
    if 0 < top_k < z.shape[-1]:
        kth = z.sort(dim=-1, descending=True).values[:, top_k:top_k + 1]  # the bug: index k
        z = z.masked_fill(z < kth, float("-inf"))
    return reference(z, 1.0, 0, top_p).to(logits.dtype)


def top_p_ignores_top_k(logits, temperature=1.0, top_k=0, top_p=1.0):
    z = logits.to(torch.promote_types(logits.dtype, torch.float32)) / temperature
    remove = torch.zeros_like(z, dtype=torch.bool)
    if 0 < top_k < z.shape[-1]:
        remove = z < z.topk(top_k, dim=-1).values[:, -1:]
    if top_p < 1.0:
        probs = z.softmax(dim=-1)  # the bug: the tokens top-k removed still hold mass
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        drop_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs >= top_p
        remove = remove | torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return z.masked_fill(remove, float("-inf")).to(logits.dtype)


def removal_shared_across_rows(logits, temperature=1.0, top_k=0, top_p=1.0):
    z = logits.to(torch.promote_types(logits.dtype, torch.float32)) / temperature
    if 0 < top_k < z.shape[-1]:
        z = z.masked_fill(z < z.topk(top_k, dim=-1).values[:, -1:], float("-inf"))
    if top_p < 1.0:
        sorted_z, order = z.sort(dim=-1, descending=True)
        probs = sorted_z.softmax(dim=-1)
        drop_sorted = probs.cumsum(dim=-1) - probs >= top_p
        z = z.clone()
        # the bug: a flat list of token ids from every row, removed from every row
        z[:, order[drop_sorted]] = float("-inf")
    return z.to(logits.dtype)


DRILL = Drill(
    id="top_k_top_p",
    title=T("Top-k / top-p (nucleus) logit filtering", zh="Top-k / top-p（nucleus）logits 过滤"),
    difficulty="medium",
    tags=("llm", "sampling", "decoding"),
    minutes=15,
    entry="top_k_top_p",
    reference=top_k_top_p,
    cases=CASES,
    # Nothing in torch filters by top-k or top-p for you: topk, sort, cumsum, softmax and
    # scatter are the tools of the drill, and all allowed.
    forbidden=(),
    leak_advice=T("top-p works on what top-k kept: set the removed logits to -inf before the "
                  "softmax that top-p sums",
                  zh="top-p 只作用于 top-k 留下的 token：在 top-p 累加的 softmax 之前，先把被去掉"
                     "的 logits 设为 -inf"),
    aliases=("top-p", "nucleus", "nucleus-filtering", "top-k-top-p-filtering"),
    hints=(
        T("Three steps, in this order: divide by the temperature; cut everything below the "
          "k-th largest value; of what is left, keep the most likely tokens until their "
          "probabilities add up to top_p. Removed tokens become -inf.",
          zh="三步，顺序不能乱：先除以 temperature；再去掉低于第 k 大值的所有 token；在剩下的"
             "里面按概率从大到小保留 token，直到概率之和达到 top_p。去掉的 token 设为 -inf。"),
        T("Top-k: kth = z.topk(top_k, dim=-1).values[:, -1:]; remove z < kth (strictly less, "
          "so every token tied with the k-th stays). Skip it when top_k == 0 or top_k >= V.",
          zh="Top-k：kth = z.topk(top_k, dim=-1).values[:, -1:]；去掉 z < kth 的 token（严格"
             "小于，所以与第 k 个值相等的都保留）。top_k == 0 或 top_k >= V 时跳过这一步。"),
        T("Top-p: softmax of z with the top-k-removed tokens at -inf (so the survivors' "
          "probabilities sum to 1), sort descending, cumsum. Drop a token when the mass "
          "strictly ahead of it, cumsum - p, is already >= top_p: the token that crosses "
          "top_p stays.",
          zh="Top-p：先把 top-k 去掉的 token 设为 -inf，再对 z 做 softmax（留下的概率之和为 "
             "1），降序排序，cumsum。排在一个 token 前面的概率之和 cumsum - p 已经 >= top_p "
             "时才去掉它：越过 top_p 的那个 token 要保留。"),
        T("The drop mask is in sorted order: send it back to vocabulary order with "
          "torch.zeros_like(m).scatter(-1, order, m), then z.masked_fill(remove, "
          "float('-inf')) on a new tensor (never write into logits), .to(logits.dtype).",
          zh="去除掩码是按排序后的顺序算的：用 torch.zeros_like(m).scatter(-1, order, m) 送回"
             "词表顺序，再在新张量上 z.masked_fill(remove, float('-inf'))（不要写进 logits），"
             "最后 .to(logits.dtype)。"),
    ),
    mistakes=(
        Mistake("drops-crossing-token",
                T("drops the token whose cumulative probability crosses top_p (cumsum > "
                  "top_p): drop only when the mass ahead of it, cumsum - p, is >= top_p",
                  zh="把累积概率越过 top_p 的那个 token 也去掉了（cumsum > top_p）：只有排在"
                     "它前面的概率之和 cumsum - p >= top_p 时才去掉"),
                drops_crossing_token),
        Mistake("temperature-after-filtering",
                T("top-p measures the softmax of the raw logits and the temperature comes "
                  "after: divide by the temperature first, then filter",
                  zh="top-p 用的是原始 logits 的 softmax，temperature 放到了最后：先除以 "
                     "temperature，再过滤"),
                temperature_after_filtering),
        Mistake("sorted-ascending",
                T("sorts the probabilities least likely first, so top-p keeps the tail: "
                  "sort(dim=-1, descending=True)",
                  zh="概率按从小到大排序，top-p 保留的是尾部：用 sort(dim=-1, "
                     "descending=True)"),
                sorted_ascending),
        Mistake("mask-left-in-sorted-order",
                T("the top-p mask is computed in sorted order but applied to the tokens as "
                  "they stand: scatter it back, zeros_like(m).scatter(-1, order, m)",
                  zh="top-p 掩码按排序后的顺序算出，却直接用在原顺序的 token 上：先用 "
                     "zeros_like(m).scatter(-1, order, m) 送回原顺序"),
                mask_left_in_sorted_order),
        Mistake("top-k-drops-ties",
                T("keeps exactly k indices from topk, dropping tokens tied with the k-th "
                  "value: remove only z < z.topk(k).values[:, -1:]",
                  zh="只保留 topk 给出的恰好 k 个下标，与第 k 个值相等的 token 被去掉了：只"
                     "去掉 z < z.topk(k).values[:, -1:] 的"),
                top_k_drops_ties),
        Mistake("kth-off-by-one",
                T("the threshold is the (k+1)-th largest value, sorted index k, so one token "
                  "too many survives: the k-th is index k - 1, z.topk(k).values[:, -1:]",
                  zh="阈值取成了第 k+1 大的值（排序后下标 k），多留了一个 token：第 k 大的"
                     "下标是 k - 1，即 z.topk(k).values[:, -1:]"),
                kth_off_by_one),
        Mistake("top-p-ignores-top-k",
                T("top-p runs on the softmax of every token, so what top-k removed still "
                  "holds mass: set those to -inf before the softmax",
                  zh="top-p 在所有 token 的 softmax 上计算，top-k 去掉的 token 仍占着概率："
                     "softmax 之前先把它们设为 -inf"),
                top_p_ignores_top_k),
        Mistake("removal-shared-across-rows",
                T("z[:, order[drop]] removes every row's dropped token ids from every row: "
                  "keep the mask (B, V) and scatter it back row by row",
                  zh="z[:, order[drop]] 把每一行要去掉的 token id 从所有行里都去掉了：保留 "
                     "(B, V) 的掩码，逐行 scatter 回去"),
                removal_shared_across_rows),
    ),
)
