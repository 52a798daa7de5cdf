"""The mixture-of-experts drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.moe import MoE

reference = MoE  # the class every mistake subclasses (see grader/selftest.py)

# Every case keeps each token's choice of experts clear of a tie: its k-th largest router logit
# beats the next one by ROUTE_GAP at least, computed in float64 from the values the attempt
# gets. bfloat16 rounds a logit of ~2 by ~0.01 and a probability by 0.4%: any correct way of
# computing the router (in the input's dtype, top-k of logits or of probabilities) picks the
# same experts.
ROUTE_GAP = 0.05


# --- how a case calls the layer ---------------------------------------------------------------

def with_router(moe, x, router_weight):
    """Writes the case's router weight, then runs the layer: y. Runs in the sandbox, as source."""
    # The case's own router, not the reference's random one, so that the case knows every
    # token's choice and keeps it clear of ties (see ROUTE_GAP). A nested list, not a tensor:
    # it is a weight, and the router's gradient is checked as a parameter's.
    with torch.no_grad():
        moe.router.weight.copy_(torch.tensor(router_weight, dtype=moe.router.weight.dtype,
                                             device=moe.router.weight.device))
    return moe(x)


def count_routing(moe, x, router_weight):
    """Like with_router, and also what each expert was given: (y, tokens_per_expert (E,), the
    sum of the token rows each expert ran on (E, C)). Runs in the sandbox, as source."""
    with torch.no_grad():
        moe.router.weight.copy_(torch.tensor(router_weight, dtype=moe.router.weight.dtype,
                                             device=moe.router.weight.device))
    C = x.shape[-1]
    rows = [0] * len(moe.experts)
    sums = [torch.zeros(C, dtype=torch.float64, device=x.device) for _ in moe.experts]

    def counter(e):
        def hook(module, args, output):
            seen = args[0].detach().reshape(-1, C)  # (n, C) whatever the call's shape
            rows[e] += seen.shape[0]
            # The sum of the rows tells which tokens came, not just how many: float64, so
            # the order they came in doesn't change it.
            sums[e] = sums[e] + seen.double().sum(dim=0)
        return hook

    # Hooks on the experts: the count is of the rows each expert module really ran on.
    handles = [expert.register_forward_hook(counter(e)) for e, expert in enumerate(moe.experts)]
    try:
        y = moe(x)
    finally:
        for handle in handles:
            handle.remove()
    return y, torch.tensor(rows, device=x.device), torch.stack(sums).to(x.dtype)


# --- the routing, as the case knows it --------------------------------------------------------

def _choices(x: torch.Tensor, router_weight, top_k: int) -> torch.Tensor:
    """Each token's top_k experts, (N, k), from the values the attempt gets, in float64."""
    tokens = x.double().reshape(-1, x.shape[-1])  # (N, C)
    logits = tokens @ torch.as_tensor(router_weight, dtype=torch.float64).T  # (N, E)
    return logits.topk(top_k, dim=-1).indices  # (N, k)


def _routing(call, out, seen):
    """Each token went to exactly its own top_k experts: out[1] counts the rows each expert
    ran on, out[2] sums them."""
    x, router_weight = call.args
    top_k = call.init_args[3]
    chosen = _choices(x, router_weight, top_k)  # (N, k)
    N, E = chosen.shape[0], len(router_weight)
    got = [int(n) for n in out[1]]
    want = torch.bincount(chosen.reshape(-1), minlength=E).tolist()
    if sum(got) != N * top_k:
        dense, dense_zh = "", ""
        if sum(got) == N * E and top_k < E:
            dense = " (every expert ran on every token: a dense layer, n_experts/top_k times " \
                    "the work)"
            dense_zh = "（每个专家都处理了所有 token：成了稠密层，计算量是 n_experts/top_k 倍）"
        return both("the experts ran on {rows} token rows in all, not N * top_k = {N} * "
                    "{top_k} = {want}{dense}: run each expert only on the tokens whose top-k "
                    "includes it",
                    "所有专家一共处理了 {rows} 行 token，而不是 N * top_k = {N} * {top_k} = "
                    "{want}{dense_zh}：每个专家只应处理 top-k 里有它的那些 token",
                    rows=sum(got), N=N, top_k=top_k, want=N * top_k, dense=dense,
                    dense_zh=dense_zh)
    for e, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return both("expert {e} ran on {g} tokens, but {w} tokens have it in their "
                        "top-{top_k}: route each token by its own top-k",
                        "专家 {e} 处理了 {g} 个 token，但 top-{top_k} 里有它的 token 是 {w} 个："
                        "每个 token 要按它自己的 top-k 路由", e=e, g=g, w=w, top_k=top_k)
    tokens = x.double().reshape(-1, x.shape[-1])  # (N, C)
    for e in range(E):
        mine = (chosen == e).any(dim=-1)  # (N,) the tokens that chose expert e
        expected = tokens[mine].sum(dim=0).to(x.dtype).double()  # (C,)
        if not torch.allclose(out[2][e].double(), expected, rtol=1e-3, atol=1e-3):
            return both("expert {e} ran on as many tokens as it should, but not on the right "
                        "ones: a token's row must go to the experts of its own top-k (flattened "
                        "(N, k) choices pair with x.repeat_interleave(k, dim=0), not "
                        "x.repeat(k, 1))",
                        "专家 {e} 处理的 token 数量对，但不是该处理的那些：每个 token 的行必须"
                        "交给它自己 top-k 里的专家（展平后的 (N, k) 选择要配 "
                        "x.repeat_interleave(k, dim=0)，而不是 x.repeat(k, 1)）", e=e)
    return None


ROUTING = (Property(T("each token goes to exactly its top_k experts, and no other expert runs "
                      "on it", zh="每个 token 恰好交给它的 top_k 个专家，其他专家都不处理它"),
                    "numerics", _routing),)


# --- cases ------------------------------------------------------------------------------------

def _moe(top_k, *dims, scale=1.0, router_scale=0.4, noncontiguous=False, every_expert=False,
         unpicked=None):
    """x with the named dims in order (the last is C); MoE(C, Hd, E, top_k); and the router
    weight (E, C) the drive writes in. Tokens whose top-k is a near tie are drawn again (see
    ROUTE_GAP), and so are those that pick expert `unpicked`. every_expert: assert that each
    expert gets a token (gradient cases: an expert with no token has no gradient to check)."""
    def build(r, d):
        router_weight = r.normal(d.E, d.C, scale=router_scale)  # (E, C)
        shape = tuple(getattr(d, n) for n in dims)
        x = r.normal(*shape, scale=scale)  # (..., C)
        tokens = x.view(-1, d.C)  # (N, C), the same memory: redrawing a row redraws x's
        for _ in range(100):
            logits = tokens.double() @ router_weight.double().T  # (N, E)
            ranked = logits.sort(dim=-1, descending=True)  # (N, E) each
            bad = torch.zeros(tokens.shape[0], dtype=torch.bool)  # (N,)
            if top_k < d.E:
                bad |= ranked.values[:, top_k - 1] - ranked.values[:, top_k] < ROUTE_GAP
            if unpicked is not None:
                bad |= (ranked.indices[:, :top_k] == unpicked).any(dim=-1)
            if not bad.any():
                break
            tokens[bad] = r.normal(int(bad.sum()), d.C, scale=scale)
        else:
            raise AssertionError("could not draw tokens with a clear routing")
        if every_expert:
            picked = ranked.indices[:, :top_k].unique()
            assert len(picked) == d.E, f"experts {set(range(d.E)) - set(picked.tolist())} idle"
        if noncontiguous:  # the same values, in a transposed layout
            x = x.transpose(-1, -2).contiguous().transpose(-1, -2)
        return Call((x, router_weight.tolist()), init_args=(d.C, d.Hd, d.E, top_k))
    return build


CASES = (
    Case(T("every dim a distinct size: 6 experts, top_k=2",
           zh="每个维度大小都不同：6 个专家，top_k=2"), "shape",
         dict(B=2, T=5, C=8, Hd=12, E=6), _moe(2, "B", "T", "C"), drive=count_routing),
    Case(T("batch of 1: 4 experts, top_k=2",
           zh="批大小为 1：4 个专家，top_k=2"), "shape", dict(B=1, T=7, C=6, Hd=10, E=4),
         _moe(2, "B", "T", "C"), drive=with_router),
    Case(T("2-D input (N, C): 5 experts, top_k=2",
           zh="二维输入 (N, C)：5 个专家，top_k=2"), "shape", dict(N=9, C=8, Hd=6, E=5),
         _moe(2, "N", "C"), drive=with_router),
    Case(T("non-contiguous x: 5 experts, top_k=3",
           zh="非连续（non-contiguous）的 x：5 个专家，top_k=3"), "shape", dict(B=2, T=4, C=6, Hd=8, E=5),
         _moe(3, "B", "T", "C", noncontiguous=True), drive=with_router),
    Case(T("random inputs: 4 experts, top_k=2",
           zh="随机输入：4 个专家，top_k=2"), "numerics", dict(B=3, T=6, C=8, Hd=10, E=4),
         _moe(2, "B", "T", "C", scale=2.0, every_expert=True), grad=True, drive=with_router),
    Case(T("each token goes to exactly its top-2 of 5 experts",
           zh="5 个专家中，每个 token 恰好交给它的 top-2"), "numerics",
         dict(B=2, T=9, C=6, Hd=8, E=5), _moe(2, "B", "T", "C"), drive=count_routing,
         properties=ROUTING),
    Case(T("top_k=1 (Switch): one expert per token, its gate is 1",
           zh="top_k=1（Switch）：每个 token 一个专家，gate 为 1"), "numerics",
         dict(B=3, T=5, C=8, Hd=6, E=4), _moe(1, "B", "T", "C"), drive=count_routing,
         properties=ROUTING),
    Case(T("top_k=3 of 8 experts",
           zh="8 个专家取 top_k=3"), "numerics", dict(B=2, T=12, C=10, Hd=6, E=8),
         _moe(3, "B", "T", "C", every_expert=True), grad=True, drive=with_router),
    Case(T("an expert that no token picks: it must not run",
           zh="没有 token 选中的专家：它不能运行"), "numerics",
         dict(B=2, T=6, C=8, Hd=10, E=5), _moe(2, "B", "T", "C", unpicked=3),
         drive=count_routing, properties=ROUTING),
    Case(T("top_k == n_experts == 3: every expert on every token",
           zh="top_k == n_experts == 3：每个专家处理所有 token"), "numerics",
         dict(B=2, T=4, C=6, Hd=8, E=3), _moe(3, "B", "T", "C"), drive=with_router),
    Case(T("float64: 6 experts, top_k=2",
           zh="float64：6 个专家，top_k=2"), "numerics", dict(B=2, T=5, C=8, Hd=10, E=6),
         _moe(2, "B", "T", "C", scale=2.0), dtype=torch.float64, drive=with_router),
    Case(T("float16: 5 experts, top_k=2",
           zh="float16：5 个专家，top_k=2"), "stability", dict(B=2, T=6, C=8, Hd=12, E=5),
         _moe(2, "B", "T", "C", scale=2.0), dtype=torch.float16, drive=with_router),
    Case(T("bfloat16: 4 experts, top_k=2",
           zh="bfloat16：4 个专家，top_k=2"), "stability", dict(B=3, T=5, C=8, Hd=10, E=4),
         _moe(2, "B", "T", "C", scale=2.0), dtype=torch.bfloat16, drive=with_router),
    # Router logits of ~100 to 300: exp of them overflows float32 (past ~88) unless the
    # softmax takes the row max out first, and the gates come out nan.
    Case(T("router logits of magnitude 200: 5 experts, top_k=2",
           zh="量级为 200 的 router logits：5 个专家，top_k=2"), "stability",
         dict(B=2, T=4, C=8, Hd=6, E=5), _moe(2, "B", "T", "C", router_scale=40.0),
         drive=with_router),
)


# --- known mistakes ---------------------------------------------------------------------------

class NoRenormalisation(MoE):
    def route(self, tokens):
        probs = self.router(tokens).float().softmax(dim=-1)
        return probs.topk(self.top_k, dim=-1)  # the bug: the k gates sum to less than 1


class SoftmaxOverTopKProbs(MoE):
    def route(self, tokens):
        probs = self.router(tokens).float().softmax(dim=-1)
        top, chosen = probs.topk(self.top_k, dim=-1)
        return top.softmax(dim=-1), chosen  # the bug: a second softmax, over probabilities


class SoftmaxOverTokens(MoE):
    def route(self, tokens):
        probs = self.router(tokens).float().softmax(dim=0)  # the bug: over the tokens
        top, chosen = probs.topk(self.top_k, dim=-1)
        return top / top.sum(dim=-1, keepdim=True), chosen


class WrongExpertGather(MoE):
    def forward(self, x):
        tokens = x.reshape(-1, x.shape[-1])
        gates, chosen = self.route(tokens)
        flat_expert = chosen.reshape(-1)  # token 0's k experts, then token 1's ...
        rows = tokens.repeat(self.top_k, 1)  # the bug: tokens 0, 1, ..., N-1, 0, 1, ...
        out = torch.zeros(rows.shape, dtype=gates.dtype, device=x.device)
        for e, expert in enumerate(self.experts):
            mine = flat_expert == e
            out[mine] = expert(rows[mine]).to(out.dtype)
        y = (out * gates.reshape(-1, 1)).view(*chosen.shape, -1).sum(dim=1)
        return y.to(x.dtype).reshape(x.shape)


class AssignNotAccumulate(MoE):
    def forward(self, x):
        tokens = x.reshape(-1, x.shape[-1])
        gates, chosen = self.route(tokens)
        y = torch.zeros(tokens.shape, dtype=gates.dtype, device=x.device)
        for e, expert in enumerate(self.experts):
            rows, slot = torch.where(chosen == e)
            if rows.numel():
                # the bug: = overwrites what the token's other experts wrote
                y[rows] = gates[rows, slot, None] * expert(tokens[rows]).to(y.dtype)
        return y.to(x.dtype).reshape(x.shape)


class RunsEveryExpert(MoE):
    def forward(self, x):
        tokens = x.reshape(-1, x.shape[-1])
        gates, chosen = self.route(tokens)
        weight = torch.zeros(tokens.shape[0], len(self.experts), dtype=gates.dtype,
                             device=x.device).scatter(1, chosen, gates)
        y = 0
        for e, expert in enumerate(self.experts):  # the bug: every expert on every token
            y = y + weight[:, e:e + 1] * expert(tokens).to(weight.dtype)
        return y.to(x.dtype).reshape(x.shape)


DRILL = Drill(
    id="moe",
    title=T("Top-k mixture-of-experts layer", zh="Top-k 混合专家（MoE）层"),
    difficulty="hard",
    tags=("llm", "moe", "modules"),
    minutes=20,
    entry="MoE",
    reference=MoE,
    cases=CASES,
    outputs=("y", "tokens_per_expert", "token_sum_per_expert"),
    aliases=("mixture-of-experts", "sparse-moe", "top-k-moe"),
    hints=(
        T("A router scores every expert for every token; each token goes to its top_k experts "
          "only; its output is their outputs, weighted by gates that sum to 1.",
          zh="router 为每个 token 给每个专家打分；每个 token 只交给它的 top_k 个专家；它的"
             "输出是这些专家输出的加权和，权重是和为 1 的门控值（gate）。"),
        T("Flatten x to tokens (N, C). probs = self.router(tokens).softmax(dim=-1) over the "
          "experts; gates, chosen = probs.topk(top_k, dim=-1); gates = gates / gates.sum(-1, "
          "keepdim=True). (A softmax over the k chosen logits gives the same gates.)",
          zh="把 x 展平成 tokens (N, C)。probs = self.router(tokens).softmax(dim=-1)，在专家"
             "维上做；gates, chosen = probs.topk(top_k, dim=-1)；gates = gates / "
             "gates.sum(-1, keepdim=True)。（只在选中的 k 个 logits 上做 softmax，得到的 "
             "gate 相同。）"),
        T("Loop over the experts: rows, slot = torch.where(chosen == e) gives the tokens that "
          "picked expert e and which of their k gates is e's; run self.experts[e](tokens[rows]) "
          "on those rows only, and skip an expert no token picked.",
          zh="按专家循环：rows, slot = torch.where(chosen == e) 给出选了专家 e 的 token，以及"
             "它们的 k 个 gate 中哪一个属于 e；只在这些行上运行 "
             "self.experts[e](tokens[rows])，没有 token 选中的专家直接跳过。"),
        T("Combine with y.index_add_(0, rows, gates[rows, slot, None] * out): a token's k "
          "experts all add into its row (y[rows] = ... would keep only the last). Sum in "
          "float32, then .to(x.dtype).reshape(x.shape).",
          zh="用 y.index_add_(0, rows, gates[rows, slot, None] * out) 合并：一个 token 的 k "
             "个专家都累加到它那一行（y[rows] = ... 只会留下最后一个）。用 float32 求和，"
             "最后 .to(x.dtype).reshape(x.shape)。"),
    ),
    mistakes=(
        Mistake("no-renormalisation",
                T("the k gates are the raw top-k probabilities, which sum to less than 1: divide "
                  "them by their sum, gates / gates.sum(-1, keepdim=True)",
                  zh="k 个 gate 直接用了 top-k 的原始概率，它们的和小于 1：要除以它们的和，"
                     "gates / gates.sum(-1, keepdim=True)"), NoRenormalisation),
        Mistake("softmax-over-top-k-probs",
                T("softmax is taken again over the k top probabilities, which flattens the gates: "
                  "renormalise by their sum instead (or take one softmax over the k chosen "
                  "logits)",
                  zh="在 k 个最大的概率上又做了一次 softmax，gate 被拉平了：应该除以它们的和"
                     "来重新归一化（或者只在选中的 k 个 logits 上做一次 softmax）"),
                SoftmaxOverTopKProbs),
        Mistake("softmax-over-tokens",
                T("the router softmax runs over the tokens (dim=0): each token's probabilities "
                  "are over the experts, softmax(dim=-1)",
                  zh="router 的 softmax 做在了 token 维上（dim=0）：每个 token 的概率应在专家"
                     "维上计算，softmax(dim=-1)"), SoftmaxOverTokens),
        Mistake("wrong-expert-gather",
                T("token rows are paired with another token's experts: the flattened (N, k) "
                  "choices go token by token, so repeat each row k times in place, "
                  "x.repeat_interleave(k, dim=0), not x.repeat(k, 1)",
                  zh="token 的行配上了别的 token 的专家：展平后的 (N, k) 选择是一个 token "
                     "接一个 token 排的，所以每一行要就地重复 k 次，"
                     "x.repeat_interleave(k, dim=0)，而不是 x.repeat(k, 1)"), WrongExpertGather),
        Mistake("assign-not-accumulate",
                T("y[rows] = ... overwrites what a token's other experts wrote, so only its last "
                  "expert counts: add into y, y.index_add_(0, rows, gate * out)",
                  zh="y[rows] = ... 会覆盖这个 token 其他专家写入的结果，只有最后一个专家"
                     "生效：要累加到 y 上，y.index_add_(0, rows, gate * out)"),
                AssignNotAccumulate),
        Mistake("runs-every-expert",
                T("every expert runs on every token and the unchosen ones are weighted by 0: "
                  "right numbers, n_experts/top_k times the work; run expert e on "
                  "tokens[rows] only",
                  zh="每个专家都在所有 token 上运行，没选中的乘以 0：结果对，但计算量是 "
                     "n_experts/top_k 倍；专家 e 只应在 tokens[rows] 上运行"), RunsEveryExpert),
    ),
)
