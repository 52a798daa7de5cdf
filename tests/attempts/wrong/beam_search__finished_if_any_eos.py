# expect: shape, numerics, stability
import torch


def beam_search(step, prompt, eos, beam_size, max_len, alpha=0.0):
    device = prompt.device
    beams = [(prompt.tolist(), 0.0)]
    finished = []
    for t in range(1, max_len + 1):
        candidates = []
        for tokens, score in beams:
            logp = step(torch.tensor([tokens], device=device))[0]
            for tok, lp in enumerate(logp.tolist()):
                candidates.append((tokens + [tok], score + lp))
        candidates.sort(key=lambda c: c[1], reverse=True)
        beams = []
        for tokens, score in candidates:
            if eos in tokens:  # the bug: an eos in the prompt counts as an end too
                finished.append((tokens, score, t))
            elif len(beams) < beam_size:
                beams.append((tokens, score))
    finished += [(tokens, score, max_len) for tokens, score in beams]
    finished.sort(key=lambda f: f[1] / f[2] ** alpha, reverse=True)
    width = len(prompt) + max_len
    rows = [tokens + [eos] * (width - len(tokens)) for tokens, _, _ in finished[:beam_size]]
    scores = [s / n ** alpha for _, s, n in finished[:beam_size]]
    return (torch.tensor(rows, device=device),
            torch.tensor(scores, dtype=logp.dtype, device=device))
