import torch


def beam_search(step, prompt, eos, beam_size, max_len, alpha=0.0):
    # Always beam_size rows: the empty slots are copies at score -inf, which can never win
    # (and the model is asked about them anyway, it costs nothing here). Sums in float64.
    device = prompt.device
    beams = prompt.unsqueeze(0).repeat(beam_size, 1)
    sums = torch.full((beam_size,), float("-inf"), dtype=torch.float64, device=device)
    sums[0] = 0.0
    fin_tokens, fin_scores = [], []
    out_dtype = None
    for t in range(1, max_len + 1):
        logp = step(beams)
        out_dtype = logp.dtype
        V = logp.shape[1]
        total = sums.unsqueeze(1) + logp.double()
        ended = torch.isfinite(total[:, eos])
        if ended.any():
            done = torch.cat([beams[ended], torch.full((int(ended.sum()), 1), eos,
                                                        device=device)], dim=1)
            fin_tokens.append(torch.nn.functional.pad(done, (0, max_len - t), value=eos))
            fin_scores.append(total[ended, eos] / t ** alpha)
        total[:, eos] = float("-inf")
        sums, idx = total.reshape(-1).topk(beam_size)
        beams = torch.cat([beams[idx // V], (idx % V).unsqueeze(1)], dim=1)
    alive = torch.isfinite(sums)
    fin_tokens.append(beams[alive])
    fin_scores.append(sums[alive] / max_len ** alpha)
    scores = torch.cat(fin_scores)
    order = torch.argsort(scores, descending=True)[:beam_size]
    return torch.cat(fin_tokens)[order], scores[order].to(out_dtype)
