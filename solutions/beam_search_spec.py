"""The beam search drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T, both, tr
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.beam_search import beam_search

reference = beam_search  # the name a mistake uses to call the reference (see grader/selftest.py)


def search(beam_search, table, prompt, eos, beam_size, max_len, alpha=0.0, strided=False):
    """How every case calls the attempt: with a toy language model built from ``table``
    (R, V) of log-probs. The next-token log-probs of a prefix are the table's row at a hash
    of the whole prefix, so every prefix has a fixed distribution of its own (a few share
    one) and any way of calling step, all beams at once or one at a time, sees the same.
    strided: step returns a non-contiguous view, as a model's logits[:, -1] is."""
    R = table.shape[0]

    def step(prefixes):
        if prefixes.dim() != 2:
            raise ValueError(tr("step() takes prefixes (n, t), got shape {shape}",
                                "step() 接收的 prefixes 形状应为 (n, t)，实际为 {shape}",
                                shape=tuple(prefixes.shape)))
        if prefixes.device != table.device:
            raise RuntimeError(tr("step() got prefixes on {got}, the model is on {want}: make "
                                  "them on prompt.device",
                                  "step() 收到的 prefixes 在 {got} 上，模型在 {want} 上：要在 "
                                  "prompt.device 上创建 prefixes",
                                  got=prefixes.device, want=table.device))
        row = torch.zeros(prefixes.shape[0], dtype=torch.int64, device=table.device)  # (n,)
        for j in range(prefixes.shape[1]):
            row = (row * 1000003 + prefixes[:, j] + 1) % R
        logp = table[row]  # (n, V), a new tensor
        if strided:  # the last of two positions, as in logits (n, T, V)[:, -1]
            logp = torch.stack((logp, logp), dim=1)[:, -1]  # (n, V), strides (2V, 1)
        return logp

    return beam_search(step, prompt, eos, beam_size, max_len, alpha=alpha)


def exhaustive(step, prompt, eos, beam_size, max_len, alpha=0.0):
    """Every hypothesis there is, scored as the contract says, in float64: the beam_size
    best. Beam search equals it whenever the beam is never pruned."""
    alive = prompt[None, :]  # (1, P)
    sums = torch.zeros(1, dtype=torch.float64)  # (1,)
    tokens, scores = [], []
    for t in range(1, max_len + 1):
        logp = step(alive)  # (n, V)
        n, V = logp.shape
        cand = sums[:, None] + logp.double()  # (n, V)
        pad = torch.full((n, 1 + max_len - t), eos, dtype=torch.int64)
        tokens.append(torch.cat((alive, pad), dim=1))
        scores.append(cand[:, eos] / t ** alpha)
        keep = (torch.arange(V) != eos).nonzero().squeeze(1)  # (V - 1,) every other token
        alive = torch.cat((alive.repeat_interleave(V - 1, dim=0),
                           keep.repeat(n)[:, None]), dim=1)  # (n * (V - 1), P + t)
        sums = cand[:, keep].flatten()  # (n * (V - 1),)
    tokens.append(alive)
    scores.append(sums / max_len ** alpha)
    tokens, scores = torch.cat(tokens), torch.cat(scores)
    best = scores.argsort(descending=True)[:beam_size]
    return tokens[best], scores[best].to(logp.dtype)


def _traced(step, prompt, eos, beam_size, max_len, alpha=0.0):
    """The contract's search in plain Python and float64, returning (tokens, scores, gap):
    gap is the smallest difference between two scores whose order decides anything (the
    last candidate kept alive and the first dropped; neighbours in the final ranking)."""
    beams = [(prompt.tolist(), 0.0)]
    finished, gaps = [], []
    for t in range(1, max_len + 1):
        logp = step(torch.tensor([b for b, _ in beams])).double().tolist()
        grown = []
        for (b, s), row in zip(beams, logp):
            for tok, lp in enumerate(row):
                if tok == eos:
                    finished.append((b + [tok] * (1 + max_len - t), (s + lp) / t ** alpha))
                else:
                    grown.append((b + [tok], s + lp))
        grown.sort(key=lambda h: -h[1])
        if len(grown) > beam_size:
            gaps.append(grown[beam_size - 1][1] - grown[beam_size][1])
        beams = grown[:beam_size]
    finished += [(b, s / max_len ** alpha) for b, s in beams]
    finished.sort(key=lambda h: -h[1])
    top = finished[:beam_size + 1]
    gaps += [a[1] - b[1] for a, b in zip(top, top[1:])]
    return (torch.tensor([b for b, _ in finished[:beam_size]]),
            torch.tensor([s for _, s in finished[:beam_size]]), torch.tensor(min(gaps)))


def _early_stopped(step, prompt, eos, beam_size, max_len, alpha=0.0):
    """The search with Hugging Face's early stop (BeamHypotheses.is_done with
    early_stopping=False): stop once beam_size hypotheses are finished and the best alive
    beam, scored at its current length, can't beat the worst of them. Exact for alpha=0,
    where sums only fall; not with a length penalty. Returns the tokens only."""
    beams, finished = [(prompt.tolist(), 0.0)], []
    for t in range(1, max_len + 1):
        logp = step(torch.tensor([b for b, _ in beams])).double().tolist()
        grown = []
        for (b, s), row in zip(beams, logp):
            for tok, lp in enumerate(row):
                if tok == eos:
                    finished.append((b + [tok] * (1 + max_len - t), (s + lp) / t ** alpha))
                else:
                    grown.append((b + [tok], s + lp))
        beams = sorted(grown, key=lambda h: -h[1])[:beam_size]
        finished.sort(key=lambda h: -h[1])
        if len(finished) >= beam_size and finished[beam_size - 1][1] >= beams[0][1] / t ** alpha:
            beams = []
            break
    finished = sorted(finished + [(b, s / max_len ** alpha) for b, s in beams],
                      key=lambda h: -h[1])
    return torch.tensor([b for b, _ in finished[:beam_size]])


# How far apart two scores whose order decides anything must be (see _traced): any correct
# way of summing, in float32, float64 or Python floats, ranks them alike.
GAP = 1e-3


def _case(K, L, eos, prompt=None, alpha=0.0, scale=1.5, eos_bias=0.0, strided=False, *,
          needs=()):
    """A table (R, V) of log-probs: softmax rows of normal logits * scale, eos's logit
    raised by eos_bias. prompt: the token ids, or None for P random ones. Tables are drawn
    until the case is unambiguous (GAP) and every test in needs(call) holds."""
    def build(r, d):
        for _ in range(500):
            logits = torch.randn(d.R, d.V, generator=r.gen, dtype=torch.float64) * scale
            logits[:, eos] += eos_bias
            table = logits.log_softmax(dim=-1).to(r.dtype)  # (R, V)
            p = (torch.tensor(prompt) if prompt is not None
                 else torch.randint(d.V, (d.P,), generator=r.gen))  # (P,)
            assert p.shape == (d.P,), (p, d)
            call = Call((table, p, eos, K, L), dict(alpha=alpha, strided=strided))
            gap = search(_traced, table.double(), p, eos, K, L, alpha)[2]
            if gap > GAP * max(1.0, scale) and all(test(call) for test in needs):
                return call
        raise AssertionError("no table makes this case what it says")
    return build


def _row_of(prefix, R, V):
    """The row of a table (R, V) that search's model reads for this prefix (a list)."""
    ids = torch.arange(R, dtype=torch.float64)[:, None].repeat(1, V)  # row i holds i
    return int(search(lambda step, *_, **__: step(torch.tensor([prefix])), ids, None, 0, 1, 1)
               [0, 0])


def _garden_path(r, d):
    """Prompt (0,), eos 1, beam 2. The first step ranks tokens 2 and 3 best and 4 third, but
    after 2 or 3 the model is unsure (rows near uniform) while after 4 it is sure twice
    (log-probs near 0): the best sequence starts with 4, which a beam of 2 drops at once."""
    eos, K, L, prompt = 1, 2, 4, [0]
    logits = torch.randn(d.R, d.V, generator=r.gen, dtype=torch.float64)  # (R, V)
    designed = {  # prefix -> logits of tokens 0 ... 4
        (0,): [-2.0, -3.0, 0.0, -0.2, -1.0],
        (0, 2): [0.0, -0.5, 0.1, -0.1, 0.05], (0, 3): [0.1, -0.5, 0.0, -0.05, -0.1],
        (0, 4): [-3.0, -3.0, 5.0, -3.0, -3.0], (0, 4, 2): [-3.0, -3.0, -3.0, 5.0, -3.0],
    }
    rows = [_row_of(list(prefix), d.R, d.V) for prefix in designed]
    assert len(set(rows)) == len(rows), "two designed prefixes share a row"
    for row, values in zip(rows, designed.values()):
        noise = torch.randn(d.V, generator=r.gen, dtype=torch.float64) * 0.05
        logits[row] = torch.tensor(values, dtype=torch.float64) + noise
    table = logits.log_softmax(dim=-1).to(r.dtype)  # (R, V)
    call = Call((table, torch.tensor(prompt), eos, K, L), dict(alpha=0.0))
    assert search(_traced, table.double(), *call.args[1:])[2] > GAP
    assert _beam_misses_best(call)
    return call


def _plain(call, fn=beam_search, dtype=torch.float64):
    table, prompt, eos, K, L = call.args
    return search(fn, table.to(dtype), prompt, eos, K, L, **call.kwargs)


def _beam_misses_best(call):
    """The narrow beam prunes the prefix of the exhaustive search's best hypothesis."""
    table, prompt, eos, K, L = call.args
    best = search(exhaustive, table.double(), prompt, eos, 1, L, **call.kwargs)[0]
    return not torch.equal(_plain(call)[0][:1], best)


def _low_precision_sum_misranks(call):
    """Summing in the table's own dtype (bfloat16) changes the answer."""
    table, prompt, eos, K, L = call.args
    return not torch.equal(search(sums_in_input_dtype, table, prompt, eos, K, L,
                                  **call.kwargs)[0], _plain(call)[0])


def _early_stop_differs(call):
    """Stopping early, as Hugging Face does, would change the answer."""
    table, prompt, eos, K, L = call.args
    stopped = search(_early_stopped, table.double(), prompt, eos, K, L, **call.kwargs)
    return not torch.equal(stopped, _plain(call)[0])


def _eos_in_the_best(call):
    """At least one of the returned hypotheses ends with eos before max_len."""
    tokens = _plain(call)[0]
    P = call.args[1].shape[0]
    return bool((tokens[:, P:-1] == call.args[2]).any())


def _equals_exhaustive(call, out, seen):
    table, prompt, eos, K, L = call.args
    tokens, scores = search(exhaustive, table.double(), prompt, eos, K, L, **call.kwargs)
    got_tokens, got_scores = out[0].long(), out[1].double()
    V = table.shape[1]
    why = both("with beam_size={K} >= (V - 1) ** (max_len - 1) = {n} nothing is ever pruned, "
               "so beam search returns exactly what an exhaustive search over every sequence "
               "does",
               "beam_size={K} >= (V - 1) ** (max_len - 1) = {n}，永远不会剪枝，所以束搜索的"
               "结果应与遍历所有序列的穷举搜索完全相同", K=K, n=(V - 1) ** (L - 1))
    for i in range(K):
        if not torch.equal(got_tokens[i], tokens[i]):
            return both("{why}; its #{i} is {want} (score {score:.4f}), yours {got}",
                        "{why_zh}；穷举搜索的第 {i} 名是 {want}（得分 {score:.4f}），你的是 {got}",
                        why=why, why_zh=why.zh, i=i + 1, want=tokens[i].tolist(),
                        score=float(scores[i]), got=got_tokens[i].tolist())
        if abs(float(got_scores[i] - scores[i])) > 1e-3 * (1 + abs(float(scores[i]))):
            return both("{why}; its #{i}, {want}, scores {score:.4f}, yours {got:.4f}",
                        "{why_zh}；穷举搜索的第 {i} 名 {want} 得分 {score:.4f}，你的是 {got:.4f}",
                        why=why, why_zh=why.zh, i=i + 1, want=tokens[i].tolist(),
                        score=float(scores[i]), got=float(got_scores[i]))
    return None


EXHAUSTIVE = Property(T("equals an exhaustive search over every sequence (V=4)",
                        zh="与遍历所有序列的穷举搜索结果一致（V=4）"), "numerics",
                      _equals_exhaustive)

CASES = (
    Case(T("every dim a distinct size: beam 3, prompt of 2",
           zh="每个维度大小都不同：beam 3，prompt 长 2"), "shape",
         dict(K=3, L=4, P=2, V=6, R=23), _case(3, 4, eos=1, eos_bias=1.5), drive=search),
    Case(T("prompt of one token (bos)", zh="prompt 只有一个 token（bos）"), "shape",
         dict(K=2, L=5, P=1, V=7, R=31), _case(2, 5, eos=0, prompt=(3,), eos_bias=0.5),
         drive=search),
    Case(T("beam of 1: greedy decoding", zh="beam 为 1：贪心解码"), "shape",
         dict(K=1, L=4, P=3, V=5, R=19), _case(1, 4, eos=4, eos_bias=0.3), drive=search),
    Case(T("log-probs a non-contiguous view (a model's logits[:, -1])",
           zh="log-prob 是非连续的视图（模型的 logits[:, -1]）"), "shape",
         dict(K=4, L=3, P=2, V=6, R=19), _case(4, 3, eos=5, eos_bias=0.5, strided=True),
         drive=search),
    Case(T("a single step (max_len=1)", zh="只走一步（max_len=1）"), "shape",
         dict(K=3, L=1, P=2, V=6, R=11), _case(3, 1, eos=2), drive=search),
    Case(T("beam 9, V=4, max_len 3: nothing is pruned",
           zh="beam 9，V=4，max_len 3：不会剪枝"), "numerics",
         dict(K=9, L=3, P=1, V=4, R=29), _case(9, 3, eos=0, prompt=(1,), eos_bias=0.3),
         drive=search, properties=(EXHAUSTIVE,)),
    Case(T("beam 10, alpha=1, V=4, max_len 3: nothing is pruned",
           zh="beam 10，alpha=1，V=4，max_len 3：不会剪枝"), "numerics",
         dict(K=10, L=3, P=2, V=4, R=37), _case(10, 3, eos=3, alpha=1.0, eos_bias=0.3),
         drive=search, properties=(EXHAUSTIVE,)),
    Case(T("beam 2 misses the best sequence: beam search, not exhaustive search",
           zh="beam 2 错过最优序列：要的是束搜索，不是穷举搜索"), "numerics",
         dict(K=2, L=4, P=1, V=5, R=41), _garden_path, drive=search),
    Case(T("eos likely: short hypotheses finish early, padded with eos",
           zh="eos 概率大：短的候选序列提前结束，用 eos 补齐"), "numerics",
         dict(K=4, L=6, P=2, V=5, R=43),
         _case(4, 6, eos=2, eos_bias=1.5, needs=(_eos_in_the_best,)), drive=search),
    Case(T("alpha=0.7: longer hypotheses get their due",
           zh="alpha=0.7：长的候选序列得到应有的分数"), "numerics",
         dict(K=3, L=5, P=2, V=6, R=47),
         _case(3, 5, eos=5, alpha=0.7, eos_bias=0.8, needs=(_eos_in_the_best,)),
         drive=search),
    # Hugging Face stops once beam_size hypotheses are done and the best alive beam, scored at
    # its current length, is behind them all; with alpha > 0 that beam can still overtake.
    Case(T("alpha=1: a beam behind at step t can still win (no early stopping)",
           zh="alpha=1：第 t 步落后的 beam 仍可能胜出（不提前停止）"), "numerics",
         dict(K=2, L=6, P=1, V=5, R=53),
         _case(2, 6, eos=3, alpha=1.0, eos_bias=1.0, needs=(_early_stop_differs,)),
         drive=search),
    Case(T("bos is eos (as in GPT-2): only a generated eos ends a hypothesis",
           zh="bos 就是 eos（同 GPT-2）：只有生成出来的 eos 才会结束候选序列"), "numerics",
         dict(K=3, L=4, P=1, V=6, R=29), _case(3, 4, eos=0, prompt=(0,), eos_bias=0.8),
         drive=search),
    Case(T("float64", zh="float64"), "numerics", dict(K=3, L=5, P=2, V=7, R=37),
         _case(3, 5, eos=6, alpha=0.5, eos_bias=0.5), dtype=torch.float64, drive=search),
    Case(T("float16 log-probs", zh="float16 的 log-prob"), "stability",
         dict(K=3, L=5, P=2, V=6, R=31), _case(3, 5, eos=1, eos_bias=0.5), dtype=torch.float16,
         drive=search),
    Case(T("bfloat16 log-probs: sums need float32",
           zh="bfloat16 的 log-prob：求和需要 float32"), "stability",
         dict(K=3, L=6, P=2, V=5, R=41),
         _case(3, 6, eos=4, eos_bias=0.3, needs=(_low_precision_sum_misranks,)),
         dtype=torch.bfloat16, drive=search),
    # Rows this peaked put every probability but the top one below 1e-100: a product of
    # probabilities underflows to 0 in float32 (and float64), and every such hypothesis ties.
    Case(T("log-probs in the hundreds: probabilities underflow",
           zh="log-prob 达到几百：概率会下溢"), "stability",
         dict(K=3, L=4, P=2, V=6, R=23), _case(3, 4, eos=3, scale=300.0), magnitude=3e2,
         drive=search),
)


def sums_in_input_dtype(step, prompt, eos, beam_size, max_len, alpha=0.0):
    alive = prompt[None, :]
    alive_sums = None
    done_tokens, done_sums, done_lengths = [], [], []
    for t in range(1, max_len + 1):
        logp = step(alive)
        n, V = logp.shape
        if alive_sums is None:
            alive_sums = torch.zeros(1, dtype=logp.dtype, device=logp.device)
        cand = alive_sums[:, None] + logp  # the bug: summed in the log-probs' own dtype
        pad = torch.full((n, 1 + max_len - t), eos, dtype=alive.dtype, device=alive.device)
        done_tokens.append(torch.cat((alive, pad), dim=1))
        done_sums.append(cand[:, eos])
        done_lengths.append(torch.full((n,), t, dtype=logp.dtype, device=logp.device))
        is_eos = torch.arange(V, device=logp.device) == eos
        cand = cand.masked_fill(is_eos, float("-inf"))
        alive_sums, flat = cand.flatten().topk(min(beam_size, n * (V - 1)))
        alive = torch.cat((alive[flat // V], (flat % V)[:, None]), dim=1)
    done_tokens.append(alive)
    done_sums.append(alive_sums)
    done_lengths.append(torch.full_like(alive_sums, max_len))
    scores = torch.cat(done_sums) / torch.cat(done_lengths) ** alpha
    best = scores.topk(beam_size).indices
    return torch.cat(done_tokens)[best], scores[best]


def sum_of_probs(step, prompt, eos, beam_size, max_len, alpha=0.0):
    # the bug: adds probabilities, exp(log-prob), where the contract adds log-probs
    return reference(lambda prefixes: step(prefixes).exp(), prompt, eos, beam_size,
                     max_len, alpha)


def finished_beams_extended(step, prompt, eos, beam_size, max_len, alpha=0.0):
    alive = prompt[None, :]
    alive_sums = torch.zeros(1, device=prompt.device)
    for t in range(1, max_len + 1):
        logp = step(alive)
        work = torch.promote_types(logp.dtype, torch.float32)
        V = logp.shape[-1]
        # the bug: a beam that emitted eos stays in the beam and keeps growing
        cand = alive_sums.to(work)[:, None] + logp.to(work)
        alive_sums, flat = cand.flatten().topk(min(beam_size, cand.numel()))
        alive = torch.cat((alive[flat // V], (flat % V)[:, None]), dim=1)
    return alive, (alive_sums / max_len ** alpha).to(logp.dtype)


def eos_takes_beam_slots(step, prompt, eos, beam_size, max_len, alpha=0.0):
    alive = prompt[None, :]
    alive_sums = torch.zeros(1, device=prompt.device)
    done_tokens, done_sums, done_lengths = [], [], []
    for t in range(1, max_len + 1):
        logp = step(alive)
        n, V = logp.shape
        work = torch.promote_types(logp.dtype, torch.float32)
        cand = alive_sums.to(work)[:, None] + logp.to(work)
        # the bug: eos extensions compete for the beam_size places too; those that win one
        # are set aside, so fewer than beam_size beams go on, and eos extensions that don't
        # win one are lost
        top, flat = cand.flatten().topk(min(beam_size, n * V))
        grown = torch.cat((alive[flat // V], (flat % V)[:, None]), dim=1)
        ended = flat % V == eos
        pad = torch.full((int(ended.sum()), max_len - t), eos, dtype=alive.dtype,
                         device=alive.device)
        done_tokens.append(torch.cat((grown[ended], pad), dim=1))
        done_sums.append(top[ended])
        done_lengths.append(torch.full((int(ended.sum()),), t, dtype=work, device=top.device))
        alive, alive_sums = grown[~ended], top[~ended]
        if len(alive) == 0:
            alive = torch.full((0, prompt.shape[0] + max_len), eos, dtype=alive.dtype,
                               device=alive.device)
            break
    done_tokens.append(alive)
    done_sums.append(alive_sums)
    done_lengths.append(torch.full_like(alive_sums, max_len))
    scores = torch.cat(done_sums) / torch.cat(done_lengths) ** alpha
    best = scores.topk(min(beam_size, len(scores))).indices
    return torch.cat(done_tokens)[best], scores[best].to(logp.dtype)


def duplicate_initial_beams(step, prompt, eos, beam_size, max_len, alpha=0.0):
    # the bug: beam_size copies of the prompt, all at score 0, so the first step fills the
    # beam with copies of the single best first token, and the copies never part
    alive = prompt[None, :].repeat(beam_size, 1)
    alive_sums = torch.zeros(beam_size, device=prompt.device)
    done_tokens, done_sums, done_lengths = [], [], []
    for t in range(1, max_len + 1):
        logp = step(alive)
        n, V = logp.shape
        work = torch.promote_types(logp.dtype, torch.float32)
        cand = alive_sums.to(work)[:, None] + logp.to(work)
        pad = torch.full((n, 1 + max_len - t), eos, dtype=alive.dtype, device=alive.device)
        done_tokens.append(torch.cat((alive, pad), dim=1))
        done_sums.append(cand[:, eos])
        done_lengths.append(torch.full((n,), t, dtype=work, device=cand.device))
        cand = cand.masked_fill(torch.arange(V, device=cand.device) == eos, float("-inf"))
        alive_sums, flat = cand.flatten().topk(min(beam_size, n * (V - 1)))
        alive = torch.cat((alive[flat // V], (flat % V)[:, None]), dim=1)
    done_tokens.append(alive)
    done_sums.append(alive_sums)
    done_lengths.append(torch.full_like(alive_sums, max_len))
    scores = torch.cat(done_sums) / torch.cat(done_lengths) ** alpha
    best = scores.topk(beam_size).indices
    return torch.cat(done_tokens)[best], scores[best].to(logp.dtype)


def beams_dont_compete(step, prompt, eos, beam_size, max_len, alpha=0.0):
    alive = prompt[None, :]
    alive_sums = torch.zeros(1, device=prompt.device)
    done_tokens, done_sums, done_lengths = [], [], []
    for t in range(1, max_len + 1):
        logp = step(alive)
        n, V = logp.shape
        work = torch.promote_types(logp.dtype, torch.float32)
        cand = alive_sums.to(work)[:, None] + logp.to(work)
        pad = torch.full((n, 1 + max_len - t), eos, dtype=alive.dtype, device=alive.device)
        done_tokens.append(torch.cat((alive, pad), dim=1))
        done_sums.append(cand[:, eos])
        done_lengths.append(torch.full((n,), t, dtype=work, device=cand.device))
        cand = cand.masked_fill(torch.arange(V, device=cand.device) == eos, float("-inf"))
        if t == 1:
            alive_sums, flat = cand.flatten().topk(min(beam_size, V - 1))
            alive = torch.cat((alive[flat // V], (flat % V)[:, None]), dim=1)
        else:
            # the bug: each beam keeps its own best child, so beams never compete: K greedy
            # searches side by side
            alive_sums, token = cand.max(dim=-1)
            alive = torch.cat((alive, token[:, None]), dim=1)
    done_tokens.append(alive)
    done_sums.append(alive_sums)
    done_lengths.append(torch.full_like(alive_sums, max_len))
    scores = torch.cat(done_sums) / torch.cat(done_lengths) ** alpha
    best = scores.topk(beam_size).indices
    return torch.cat(done_tokens)[best], scores[best].to(logp.dtype)


def multiplies_probabilities(step, prompt, eos, beam_size, max_len, alpha=0.0):
    alive = prompt[None, :]
    alive_probs = torch.ones(1, device=prompt.device)
    done_tokens, done_probs, done_lengths = [], [], []
    for t in range(1, max_len + 1):
        logp = step(alive)
        n, V = logp.shape
        work = torch.promote_types(logp.dtype, torch.float32)
        # the bug: a product of probabilities, which underflows to 0 for unlikely sequences
        cand = alive_probs.to(work)[:, None] * logp.to(work).exp()
        pad = torch.full((n, 1 + max_len - t), eos, dtype=alive.dtype, device=alive.device)
        done_tokens.append(torch.cat((alive, pad), dim=1))
        done_probs.append(cand[:, eos])
        done_lengths.append(torch.full((n,), t, dtype=work, device=cand.device))
        cand = cand.masked_fill(torch.arange(V, device=cand.device) == eos, -1.0)
        alive_probs, flat = cand.flatten().topk(min(beam_size, n * (V - 1)))
        alive = torch.cat((alive[flat // V], (flat % V)[:, None]), dim=1)
    done_tokens.append(alive)
    done_probs.append(alive_probs)
    done_lengths.append(torch.full_like(alive_probs, max_len))
    scores = torch.cat(done_probs).log() / torch.cat(done_lengths) ** alpha
    best = scores.topk(beam_size).indices
    return torch.cat(done_tokens)[best], scores[best].to(logp.dtype)


def penalty_counts_prompt(step, prompt, eos, beam_size, max_len, alpha=0.0):
    alive = prompt[None, :]
    alive_sums = torch.zeros(1, device=prompt.device)
    done_tokens, done_sums, done_lengths = [], [], []
    for t in range(1, max_len + 1):
        logp = step(alive)
        n, V = logp.shape
        work = torch.promote_types(logp.dtype, torch.float32)
        cand = alive_sums.to(work)[:, None] + logp.to(work)
        pad = torch.full((n, 1 + max_len - t), eos, dtype=alive.dtype, device=alive.device)
        done_tokens.append(torch.cat((alive, pad), dim=1))
        done_sums.append(cand[:, eos])
        # the bug: the length counts the prompt's tokens too
        done_lengths.append(torch.full((n,), prompt.shape[0] + t, dtype=work,
                                       device=cand.device))
        cand = cand.masked_fill(torch.arange(V, device=cand.device) == eos, float("-inf"))
        alive_sums, flat = cand.flatten().topk(min(beam_size, n * (V - 1)))
        alive = torch.cat((alive[flat // V], (flat % V)[:, None]), dim=1)
    done_tokens.append(alive)
    done_sums.append(alive_sums)
    done_lengths.append(torch.full_like(alive_sums, prompt.shape[0] + max_len))
    scores = torch.cat(done_sums) / torch.cat(done_lengths) ** alpha
    best = scores.topk(beam_size).indices
    return torch.cat(done_tokens)[best], scores[best].to(logp.dtype)


DRILL = Drill(
    id="beam_search",
    title=T("Beam search (eos, max_len, length penalty)",
            zh="束搜索（eos、max_len、长度惩罚）"),
    difficulty="hard",
    tags=("llm", "decoding", "search"),
    minutes=25,
    entry="beam_search",
    reference=beam_search,
    cases=CASES,
    outputs=("tokens", "scores"),
    differentiable=False,  # token ids out, and a search: nothing to differentiate
    # Nothing in torch searches for you: topk, sort, cat and indexing are the tools.
    forbidden=(),
    aliases=("beam", "beam-search-decoding"),
    hints=(
        T("Keep two lists: hypotheses still growing (the beam) and hypotheses that are done. "
          "Each step, grow every beam by every token, sort the finished ones out, keep the "
          "best beam_size of the rest.",
          zh="维护两个列表：还在增长的候选序列（即 beam）和已经结束的候选序列。每一步用"
             "每个 token 扩展每个 beam，把已结束的挑出来，其余的保留最好的 beam_size 个。"),
        T("Scores are sums of log-probs: cand = beam_scores[:, None] + step(beams), shape "
          "(n, V), in float32 at least. Start from ONE beam, the prompt, at score 0: beam_size "
          "copies of it would fill the beam with copies of one token.",
          zh="得分是 log-prob 之和：cand = beam_scores[:, None] + step(beams)，形状 (n, V)，"
             "至少用 float32。只从一个 beam 开始（即 prompt，得分为 0）：把它复制 beam_size "
             "份的话，beam 会被同一个 token 的副本填满。"),
        T("Column eos of cand holds finished hypotheses: save each (prefix + [eos], its "
          "score, its length t) and never extend it; then cand[:, eos] = -inf and take "
          "cand.flatten().topk(min(beam_size, n * (V - 1))) over all beams at once: "
          "beam = index // V, token = index % V.",
          zh="cand 的第 eos 列是已结束的候选序列：逐个保存（prefix + [eos]、它的得分、它的"
             "长度 t），不再扩展；然后令 cand[:, eos] = -inf，对所有 beam 一起取 "
             "cand.flatten().topk(min(beam_size, n * (V - 1)))：beam = index // V，"
             "token = index % V。"),
        T("After max_len steps the beams still alive are finished too. Score each finished "
          "hypothesis sum / n ** alpha, n = tokens it generated (eos included, prompt not), "
          "pad it with eos to len(prompt) + max_len, and return the beam_size best, best "
          "first, scores .to(the log-probs' dtype).",
          zh="max_len 步之后仍存活的 beam 也算结束。每个已结束的候选序列得分为 "
             "sum / n ** alpha，n 是它生成的 token 数（含 eos，不含 prompt）；用 eos 把它"
             "补齐到 len(prompt) + max_len，返回最好的 beam_size 个，最好的在前，scores "
             "要 .to(log-prob 的 dtype)。"),
    ),
    mistakes=(
        Mistake("sum-of-probs",
                T("adds probabilities, exp(log-prob), where the contract adds log-probs: "
                  "score a hypothesis by the sum of its tokens' log-probs",
                  zh="累加的是概率 exp(log-prob)，而约定要累加 log-prob：候选序列的得分是"
                     "它各个 token 的 log-prob 之和"), sum_of_probs),
        Mistake("finished-beams-extended",
                T("a beam that emitted eos keeps growing: set every eos extension aside as "
                  "finished and let only the others compete for the beam",
                  zh="输出了 eos 的 beam 还在继续增长：每个以 eos 扩展的序列都要作为已结束的"
                     "放到一边，只让其余的扩展去争 beam 的位置"), finished_beams_extended),
        Mistake("eos-takes-beam-slots",
                T("extensions by eos compete for the beam_size places, so fewer beams go on "
                  "(and eos extensions that lose are dropped): set every eos extension aside, "
                  "then fill the beam with the beam_size best of the others",
                  zh="以 eos 扩展的序列也去争 beam_size 个位置，于是继续搜索的 beam 变少了"
                     "（没争到位置的 eos 扩展也丢了）：先把所有 eos 扩展放到一边，再用其余"
                     "扩展中最好的 beam_size 个填满 beam"),
                eos_takes_beam_slots),
        Mistake("duplicate-initial-beams",
                T("starts from beam_size copies of the prompt at score 0, so the beam fills "
                  "with copies of one token: start from the prompt alone, one beam",
                  zh="从 beam_size 份得分为 0 的 prompt 副本开始，beam 会被同一个 token 的"
                     "副本填满：只从 prompt 这一个 beam 开始"),
                duplicate_initial_beams),
        Mistake("beams-dont-compete",
                T("each beam keeps only its own best next token: rank all beams' extensions "
                  "together (flatten, topk) and keep the best beam_size, whichever beam they "
                  "come from",
                  zh="每个 beam 只保留自己最好的下一个 token：要把所有 beam 的扩展放在一起"
                     "排序（flatten、topk），保留最好的 beam_size 个，不管来自哪个 beam"),
                beams_dont_compete),
        Mistake("multiplies-probabilities",
                T("multiplies probabilities, which underflow to 0 for unlikely sequences and "
                  "then all tie: add log-probs instead",
                  zh="把概率连乘，不太可能的序列的概率会下溢成 0，然后全部并列：改为累加 "
                     "log-prob"), multiplies_probabilities),
        Mistake("sums-in-low-precision",
                T("sums the log-probs in their own dtype: bfloat16 keeps 3 digits, so sums "
                  "round and hypotheses swap places; accumulate in float32 and cast the "
                  "scores back at the end",
                  zh="在 log-prob 自己的 dtype 下求和：bfloat16 只有 3 位有效数字，和被舍入，"
                     "候选序列的名次随之颠倒；要在 float32 下累加，最后再把 scores 转回去"),
                sums_in_input_dtype),
        Mistake("penalty-counts-prompt",
                T("the length penalty counts the prompt's tokens: n is the number of tokens "
                  "the hypothesis generated, its eos included",
                  zh="长度惩罚把 prompt 的 token 也算进去了：n 是候选序列生成的 token 数，"
                     "含它的 eos"), penalty_counts_prompt),
    ),
)
