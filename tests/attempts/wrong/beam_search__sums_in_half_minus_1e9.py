# expect: stability
import torch


def beam_search(step, prompt, eos, beam_size, max_len, alpha=0.0):
    device = prompt.device
    beams = prompt[None, :]
    sums = None
    fin_tokens, fin_sums, fin_lens = [], [], []
    for t in range(1, max_len + 1):
        logp = step(beams)
        n, V = logp.shape
        if sums is None:
            sums = torch.zeros(1, dtype=logp.dtype, device=device)
        total = sums[:, None] + logp  # in the log-probs' dtype
        pad = torch.full((n, max_len - t + 1), eos, device=device)
        fin_tokens.append(torch.cat([beams, pad], dim=1))
        fin_sums.append(total[:, eos])
        fin_lens.append(torch.full((n,), float(t), dtype=logp.dtype, device=device))
        total = total.masked_fill(torch.arange(V, device=device) == eos, -1e9)
        sums, idx = total.flatten().topk(min(beam_size, n * (V - 1)))
        beams = torch.cat([beams[idx // V], (idx % V)[:, None]], dim=1)
    fin_tokens.append(beams)
    fin_sums.append(sums)
    fin_lens.append(torch.full_like(sums, float(max_len)))
    scores = torch.cat(fin_sums) / torch.cat(fin_lens) ** alpha
    top = scores.topk(beam_size).indices
    return torch.cat(fin_tokens)[top], scores[top].to(logp.dtype)
