import torch


def beam_search(step, prompt, eos, beam_size, max_len, alpha=0.0):
    # Plain Python: hypotheses are (token list, summed log-prob) pairs, the model is asked
    # about one beam at a time, and the sums are Python floats (float64).
    device = prompt.device
    beams = [(prompt.tolist(), 0.0)]
    finished = []
    dtype = None
    for t in range(1, max_len + 1):
        candidates = []
        for tokens, score in beams:
            out = step(torch.tensor([tokens], device=device))
            dtype = out.dtype
            for token, lp in enumerate(out[0].tolist()):
                if token == eos:
                    finished.append((tokens + [eos], score + lp, t))
                else:
                    candidates.append((tokens + [token], score + lp))
        candidates.sort(key=lambda c: c[1], reverse=True)
        beams = candidates[:beam_size]
    finished += [(tokens, score, max_len) for tokens, score in beams]
    ranked = sorted(finished, key=lambda f: f[1] / f[2] ** alpha, reverse=True)[:beam_size]
    width = len(prompt) + max_len
    tokens = torch.tensor([seq + [eos] * (width - len(seq)) for seq, _, _ in ranked],
                          device=device)
    scores = torch.tensor([s / n ** alpha for _, s, n in ranked], dtype=dtype, device=device)
    return tokens, scores
