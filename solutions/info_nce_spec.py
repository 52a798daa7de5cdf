"""The info_nce drill: cases, properties, hints and known mistakes."""

import torch
import torch.nn.functional as F

from handwrite.grader.compare import tolerance
from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.info_nce import info_nce

reference = info_nce  # the name a mistake uses to call the reference (see grader/selftest.py)

DEFAULT_TEMPERATURE = 0.07  # the stub's default, which case 0 relies on


def _pairs(temperature=None, noise=1.0, scale=1.0, noncontiguous=False, zero_rows=False):
    """N matching pairs: b_i = a_i + noise * e_i (noise=None: b unrelated to a), so the
    diagonal mostly wins. Every row then gets a length of its own in [0.5, 3) (times scale):
    a loss that skips the normalisation sees it. zero_rows: a[1] and b[-1] are all zeros.
    temperature=None leaves the argument out: the contract's default, 0.07."""
    def build(r, d):
        a = torch.randn(d.N, d.D, generator=r.gen, dtype=torch.float64)  # (N, D)
        e = torch.randn(d.N, d.D, generator=r.gen, dtype=torch.float64)  # (N, D)
        b = e if noise is None else a + noise * e  # (N, D)
        lengths = 0.5 + 2.5 * torch.rand(2, d.N, 1, generator=r.gen, dtype=torch.float64)
        a = a / a.norm(dim=-1, keepdim=True) * lengths[0] * scale  # (N, D)
        b = b / b.norm(dim=-1, keepdim=True) * lengths[1] * scale  # (N, D)
        if zero_rows:
            a[1], b[-1] = 0.0, 0.0
        a, b = a.to(r.dtype), b.to(r.dtype)
        if noncontiguous:  # same values, column-major strides
            a, b = a.t().contiguous().t(), b.t().contiguous().t()
        kwargs = {} if temperature is None else dict(temperature=temperature)
        return Call((a, b), kwargs)
    return build


# --- properties: why an attempt is wrong, in words --------------------------------------------

def _two_cross_entropies(call):
    """(CE(logits, labels), CE(logits.T, labels)) in float64, labels = arange(N)."""
    a, b = (x.double() for x in call.args)
    t = call.kwargs.get("temperature", DEFAULT_TEMPERATURE)
    logits = F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T / t  # (N, N)
    labels = torch.arange(a.shape[0])  # (N,)
    return F.cross_entropy(logits, labels), F.cross_entropy(logits.T, labels)


def _equals_two_cross_entropies(call, out, seen):
    # F.cross_entropy may be used by the attempt too: here it is the contract, written out.
    tol = tolerance(call.args[0].dtype)
    a_to_b, b_to_a = _two_cross_entropies(call)
    got = out.double()

    def near(value):
        return bool(torch.isclose(got, value, tol.rtol, tol.atol))

    if near((a_to_b + b_to_a) / 2):
        return None
    if not bool(got.isfinite()):
        return both("is {got}, but both cross-entropies are finite (a -> b {ab:.5g}, b -> a "
                    "{ba:.5g}): take each row's max out before exp, as F.cross_entropy and "
                    "logsumexp do",
                    "结果是 {got}，但两个交叉熵都是有限值（a -> b 为 {ab:.5g}，b -> a 为 "
                    "{ba:.5g}）：在 exp 之前先减去每行的最大值，F.cross_entropy 和 logsumexp "
                    "都是这么做的", got=float(got), ab=float(a_to_b), ba=float(b_to_a))
    if near(a_to_b):
        return both("equals CE(logits, labels) = {ab:.5g} alone, the a -> b direction: the "
                    "b -> a direction is missing; add F.cross_entropy(logits.T, labels) = "
                    "{ba:.5g} and average the two",
                    "只等于 CE(logits, labels) = {ab:.5g}，即 a -> b 方向：缺少 b -> a 方向；"
                    "加上 F.cross_entropy(logits.T, labels) = {ba:.5g}，再对两者取平均",
                    ab=float(a_to_b), ba=float(b_to_a))
    if near(b_to_a):
        return both("equals CE(logits.T, labels) = {ba:.5g} alone, the b -> a direction: the "
                    "a -> b direction, CE(logits, labels) = {ab:.5g} (softmax along each row "
                    "of logits), is missing, or the softmax ran over the columns both times",
                    "只等于 CE(logits.T, labels) = {ba:.5g}，即 b -> a 方向：缺少 a -> b 方向 "
                    "CE(logits, labels) = {ab:.5g}（沿 logits 的每一行做 softmax），或者两次 "
                    "softmax 都是沿列做的",
                    ab=float(a_to_b), ba=float(b_to_a))
    if near(a_to_b + b_to_a):
        return both("equals CE(logits, labels) + CE(logits.T, labels) = {s:.5g}: the two "
                    "directions are summed, average them (/ 2)",
                    "等于 CE(logits, labels) + CE(logits.T, labels) = {s:.5g}：两个方向被加在"
                    "了一起，应取平均（/ 2）", s=float(a_to_b + b_to_a))
    return both("is {got:.5g}, but (CE(logits, labels) + CE(logits.T, labels)) / 2 = {want:.5g}"
                " (a -> b {ab:.5g}, b -> a {ba:.5g}), with logits = a_n @ b_n.T / temperature "
                "and labels = arange(N); it matches neither direction alone, so look at the "
                "logits (normalisation, temperature) and the labels",
                "结果是 {got:.5g}，但 (CE(logits, labels) + CE(logits.T, labels)) / 2 = "
                "{want:.5g}（a -> b 为 {ab:.5g}，b -> a 为 {ba:.5g}），其中 logits = a_n @ "
                "b_n.T / temperature，labels = arange(N)；它也不等于任何一个单独的方向，"
                "所以请检查 logits（归一化、temperature）和 labels",
                got=float(got), want=float((a_to_b + b_to_a) / 2), ab=float(a_to_b),
                ba=float(b_to_a))


def _one_pair_costs_nothing(call, out, seen):
    if bool(out.double().abs() <= tolerance(call.args[0].dtype).atol):
        return None
    return both("with one pair each softmax has a single entry, its probability is 1 and "
                "-log 1 = 0, yet the loss is {got}: every term must be -log softmax(logits)[i, "
                "i], with the positive logits[i, i] inside the denominator's sum",
                "只有一对样本时，每个 softmax 只有一个元素，概率为 1，-log 1 = 0，但 loss 却是 "
                "{got}：每一项都必须是 -log softmax(logits)[i, i]，并且正样本 logits[i, i] "
                "要包含在分母的求和里", got=float(out))


EQUALS_TWO_CE = Property(T("equals (CE(logits, labels) + CE(logits.T, labels)) / 2",
                           zh="等于 (CE(logits, labels) + CE(logits.T, labels)) / 2"),
                         "numerics", _equals_two_cross_entropies)
ONE_PAIR_ZERO = Property(T("one pair: the loss is 0", zh="只有一对样本：loss 为 0"),
                         "numerics", _one_pair_costs_nothing)

CASES = (
    Case(T("every dim a distinct size, default temperature",
           zh="每个维度大小都不同，默认 temperature"),
         "shape", dict(N=5, D=7), _pairs(), properties=(EQUALS_TWO_CE,)),
    Case(T("batch of 1: a single pair", zh="批大小为 1：只有一对样本"),
         "shape", dict(N=1, D=6), _pairs(temperature=0.1), properties=(ONE_PAIR_ZERO,)),
    Case(T("non-contiguous a and b", zh="非连续（non-contiguous）的 a 和 b"),
         "shape", dict(N=4, D=9), _pairs(temperature=0.1, noncontiguous=True)),
    Case(T("more pairs than dims: N=11, D=3", zh="样本对数多于维度：N=11，D=3"),
         "shape", dict(N=11, D=3), _pairs(temperature=0.2)),
    Case(T("random pairs, with gradients", zh="随机样本对，检查梯度"),
         "numerics", dict(N=6, D=8), _pairs(temperature=0.07), grad=True,
         properties=(EQUALS_TWO_CE,)),
    Case(T("temperature 0.5, with gradients", zh="temperature 为 0.5，检查梯度"),
         "numerics", dict(N=7, D=5), _pairs(temperature=0.5, noise=0.5), grad=True,
         properties=(EQUALS_TWO_CE,)),
    Case(T("unrelated pairs: b independent of a", zh="不相关的样本对：b 与 a 相互独立"),
         "numerics", dict(N=6, D=4), _pairs(temperature=0.2, noise=None)),
    Case(T("float64", zh="float64"),
         "numerics", dict(N=5, D=9), _pairs(temperature=0.07), dtype=torch.float64),
    Case(T("temperature 0.01: logits up to +-100", zh="temperature 为 0.01：logits 可达 +-100"),
         "stability", dict(N=6, D=10), _pairs(temperature=0.01)),
    Case(T("float16, temperature 0.01", zh="float16，temperature 为 0.01"),
         "stability", dict(N=6, D=10), _pairs(temperature=0.01), dtype=torch.float16),
    Case(T("bfloat16", zh="bfloat16"),
         "stability", dict(N=5, D=12), _pairs(temperature=0.07), dtype=torch.bfloat16),
    Case(T("inputs of magnitude 1e4", zh="输入量级为 1e4"),
         "stability", dict(N=6, D=5), _pairs(temperature=0.07, scale=1e4), magnitude=1e4),
    Case(T("an all-zero row in a and in b", zh="a 和 b 里各有一行全为零"),
         "stability", dict(N=5, D=6), _pairs(temperature=0.1, zero_rows=True)),
)


# --- known mistakes ---------------------------------------------------------------------------

def one_direction(a, b, temperature=0.07):
    ct = torch.promote_types(a.dtype, torch.float32)
    logits = F.normalize(a.to(ct), dim=-1) @ F.normalize(b.to(ct), dim=-1).T / temperature
    labels = torch.arange(a.shape[0], device=a.device)
    # the bug: only a -> b; b never has to pick out its own a
    return F.cross_entropy(logits, labels).to(a.dtype)


def temperature_multiplied(a, b, temperature=0.07):
    # the bug: logits = sim * t, which is the reference's sim / (1 / t)
    return reference(a, b, 1 / temperature)


def no_normalisation(a, b, temperature=0.07):
    ct = torch.promote_types(a.dtype, torch.float32)
    # the bug: raw dot products, not cosine similarities
    logits = a.to(ct) @ b.to(ct).T / temperature
    labels = torch.arange(a.shape[0], device=a.device)
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    return loss.to(a.dtype)


def zeros_labels(a, b, temperature=0.07):
    ct = torch.promote_types(a.dtype, torch.float32)
    logits = F.normalize(a.to(ct), dim=-1) @ F.normalize(b.to(ct), dim=-1).T / temperature
    # the bug: MoCo's labels, where logits = cat([l_pos, l_neg]) puts the positive in column 0
    labels = torch.zeros(a.shape[0], dtype=torch.long, device=a.device)
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    return loss.to(a.dtype)


def mean_over_n_squared(a, b, temperature=0.07):
    ct = torch.promote_types(a.dtype, torch.float32)
    logits = F.normalize(a.to(ct), dim=-1) @ F.normalize(b.to(ct), dim=-1).T / temperature
    eye = torch.eye(a.shape[0], dtype=ct, device=a.device)
    # the bug: .mean() of the masked (N, N) matrix divides the N diagonal terms by N * N
    loss_a = -(eye * logits.log_softmax(dim=1)).mean()
    loss_b = -(eye * logits.log_softmax(dim=0)).mean()
    return ((loss_a + loss_b) / 2).to(a.dtype)


def softmax_over_columns(a, b, temperature=0.07):
    ct = torch.promote_types(a.dtype, torch.float32)
    logits = F.normalize(a.to(ct), dim=-1) @ F.normalize(b.to(ct), dim=-1).T / temperature
    # the bug: "a -> b" normalises each column (over the a's), which is b -> a; the
    # transpose's rows are columns of logits again: b -> a counted twice, a -> b never
    loss_a = -logits.log_softmax(dim=0).diagonal().mean()
    loss_b = -logits.T.log_softmax(dim=1).diagonal().mean()
    return ((loss_a + loss_b) / 2).to(a.dtype)

def positive_left_out(a, b, temperature=0.07):
    ct = torch.promote_types(a.dtype, torch.float32)
    logits = F.normalize(a.to(ct), dim=-1) @ F.normalize(b.to(ct), dim=-1).T / temperature
    positives = logits.diagonal()
    eye = torch.eye(a.shape[0], dtype=torch.bool, device=a.device)
    # the bug: the denominator sums over the negatives only
    negatives = logits.masked_fill(eye, float("-inf"))
    loss_a = (negatives.logsumexp(dim=1) - positives).mean()
    loss_b = (negatives.logsumexp(dim=0) - positives).mean()
    return ((loss_a + loss_b) / 2).to(a.dtype)


DRILL = Drill(
    id="info_nce",
    title=T("Symmetric InfoNCE (CLIP) loss with a temperature",
            zh="带温度系数的对称 InfoNCE（CLIP）损失"),
    difficulty="easy",
    tags=("contrastive", "clip", "embedding"),
    minutes=10,
    entry="info_nce",
    reference=info_nce,
    cases=CASES,
    # Nothing forbidden: F.cross_entropy and F.normalize are what CLIP's own code calls, and
    # torch has no InfoNCE loss to hand the answer over.
    forbidden=(),
    aliases=("infonce", "clip-loss", "clip", "contrastive-loss"),
    hints=(
        T("Two classification problems share one N x N matrix of similarities: each a_i must "
          "pick out its b_i among all N rows of b, and each b_i its a_i among all rows of a.",
          zh="两个分类问题共用一个 N x N 的相似度矩阵：每个 a_i 要在 b 的全部 N 行里认出自己的 "
             "b_i，每个 b_i 也要在 a 的所有行里认出自己的 a_i。"),
        T("Normalise the rows first, F.normalize(x, dim=-1), so that a_n @ b_n.T holds cosine "
          "similarities in [-1, 1]; then DIVIDE by the temperature: a small one sharpens the "
          "softmax.",
          zh="先对每一行做归一化，F.normalize(x, dim=-1)，这样 a_n @ b_n.T 就是 [-1, 1] 内的"
             "余弦相似度；然后除以 temperature（是除，不是乘）：温度越小，softmax 越尖锐。"),
        T("The right class of row i is column i: labels = torch.arange(N, device=a.device). "
          "a -> b is F.cross_entropy(logits, labels), b -> a the same on logits.T; return "
          "their average.",
          zh="第 i 行的正确类别是第 i 列：labels = torch.arange(N, device=a.device)。a -> b 是 "
             "F.cross_entropy(logits, labels)，b -> a 是对 logits.T 做同样的计算；返回两者的"
             "平均值。"),
        T("F.cross_entropy (or logsumexp(z) - z[i]) takes the max out before exp, so logits "
          "of +-100 stay finite; for float16/bfloat16 compute in float32 and return "
          ".to(a.dtype).",
          zh="F.cross_entropy（或 logsumexp(z) - z[i]）在 exp 之前先减去最大值，所以 +-100 的 "
             "logits 也不会溢出；float16/bfloat16 输入用 float32 计算，最后 .to(a.dtype) "
             "转回去。"),
    ),
    mistakes=(
        Mistake("one-direction",
                T("only the a -> b direction: CLIP's loss is symmetric, add "
                  "F.cross_entropy(logits.T, labels) and average the two",
                  zh="只算了 a -> b 一个方向：CLIP 损失是对称的，要加上 "
                     "F.cross_entropy(logits.T, labels)，再对两者取平均"),
                one_direction),
        Mistake("temperature-multiplied",
                T("multiplies the similarities by the temperature: divide, logits = a_n @ "
                  "b_n.T / temperature (0.07 sharpens, it must not flatten)",
                  zh="把相似度乘上了 temperature：应该除，logits = a_n @ b_n.T / temperature"
                     "（0.07 是让分布变尖锐，而不是变平）"),
                temperature_multiplied),
        Mistake("no-normalisation",
                T("raw dot products: L2-normalise the rows first, F.normalize(x, dim=-1), so "
                  "the logits are cosine similarities / temperature",
                  zh="用的是原始点积：要先对每一行做 L2 归一化，F.normalize(x, dim=-1)，"
                     "让 logits 是余弦相似度 / temperature"),
                no_normalisation),
        Mistake("zeros-labels",
                T("labels of zeros (MoCo's, where the positive is column 0): here the positive "
                  "of row i is column i, labels = torch.arange(N)",
                  zh="labels 全为 0（这是 MoCo 的写法，正样本在第 0 列）：这里第 i 行的正样本是"
                     "第 i 列，labels = torch.arange(N)"),
                zeros_labels),
        Mistake("mean-over-n-squared",
                T("(eye * log_softmax).mean() divides the N diagonal terms by N * N: average "
                  "over the N rows only (.sum() / N, or the diagonal's .mean())",
                  zh="(eye * log_softmax).mean() 把 N 个对角项除以了 N * N：只应对 N 行取平均"
                     "（.sum() / N，或对角线的 .mean()）"),
                mean_over_n_squared),
        Mistake("softmax-over-columns",
                T("the a -> b term takes its softmax over the columns (dim=0): that is b -> a, "
                  "counted twice; a -> b normalises each row of logits (dim=1), "
                  "F.cross_entropy(logits, labels)",
                  zh="a -> b 这一项的 softmax 是沿列（dim=0）做的：那其实是 b -> a，被算了两次；"
                     "a -> b 要对 logits 的每一行（dim=1）做归一化，即 "
                     "F.cross_entropy(logits, labels)"),
                softmax_over_columns),
        Mistake("positive-left-out",
                T("the denominator sums over the negatives only: the softmax runs over all N "
                  "columns, the positive logits[i, i] included (one pair must cost 0, not "
                  "-inf)",
                  zh="分母只对负样本求和：softmax 要在全部 N 列上做，包括正样本 logits[i, i]"
                     "（只有一对样本时 loss 应为 0，而不是 -inf）"),
                positive_left_out),
    ),
)
