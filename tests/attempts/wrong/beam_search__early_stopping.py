# expect: numerics
import torch


def beam_search(step, prompt, eos, beam_size, max_len, alpha=0.0):
    # Stops as Hugging Face's BeamHypotheses.is_done does (early_stopping=False): once
    # beam_size hypotheses are finished and the best alive beam, scored at its current
    # length, can't beat the worst of them. Exact for alpha=0 (sums only fall); with a
    # length penalty a longer hypothesis can still climb, so it stops too soon.
    device = prompt.device
    beams = [(prompt.tolist(), 0.0)]
    finished = []
    for t in range(1, max_len + 1):
        prefixes = torch.tensor([b for b, _ in beams], device=device)
        logp = step(prefixes)
        candidates = []
        for (tokens, score), row in zip(beams, logp.double().tolist()):
            for tok, lp in enumerate(row):
                if tok == eos:
                    finished.append((tokens + [eos], score + lp, t))
                else:
                    candidates.append((tokens + [tok], score + lp))
        candidates.sort(key=lambda c: c[1], reverse=True)
        beams = candidates[:beam_size]
        finished.sort(key=lambda f: f[1] / f[2] ** alpha, reverse=True)
        if len(finished) >= beam_size and t < max_len:
            worst = finished[beam_size - 1]
            if worst[1] / worst[2] ** alpha >= beams[0][1] / t ** alpha:
                beams = []
                break
    finished += [(tokens, score, max_len) for tokens, score in beams]
    finished.sort(key=lambda f: f[1] / f[2] ** alpha, reverse=True)
    width = len(prompt) + max_len
    rows = [tokens + [eos] * (width - len(tokens)) for tokens, _, _ in finished[:beam_size]]
    scores = [s / n ** alpha for _, s, n in finished[:beam_size]]
    return (torch.tensor(rows, device=device),
            torch.tensor(scores, dtype=logp.dtype, device=device))
