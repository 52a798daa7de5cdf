"""Beam search, written by hand: the reference that `handwrite check beam_search` grades
against."""

import torch


def beam_search(step, prompt: torch.Tensor, eos: int, beam_size: int, max_len: int,
                alpha: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The beam_size best hypotheses that continue ``prompt``, best first.

    step(prefixes (n, t) int64) -> (n, V) log-probs of the next token. Every step, each alive
    beam is extended by every token; extensions by eos are finished and set aside, and the
    beam_size best of the others (across all beams) stay alive. After max_len steps the
    alive beams are finished too. A finished hypothesis of n generated tokens (its eos
    included) with summed log-prob s scores s / n ** alpha.

    Returns tokens (beam_size, P + max_len) int64, the prompt then the generated tokens,
    padded with eos after the end, and scores (beam_size,) in the log-probs' dtype.
    Shape comments: K = beam_size, P = len(prompt), n = beams alive, V = vocabulary.
    """
    device = prompt.device
    # One beam to start from, the prompt itself: starting from K copies of it would fill
    # the beam with K copies of the single best first token.
    alive = prompt[None, :]  # (1, P) prefixes still growing
    alive_sums = torch.zeros(1, device=device)  # (1,) their summed log-probs
    done_tokens, done_sums, done_lengths = [], [], []  # finished hypotheses, chunk by chunk

    for t in range(1, max_len + 1):  # t = tokens generated once this step is taken
        logp = step(alive)  # (n, V)
        n, V = logp.shape
        # Sums of log-probs, not products of probabilities: a product of a few dozen
        # probabilities underflows to 0 and every hypothesis ties. In float32 at least:
        # bfloat16 keeps 3 digits (between 8 and 16 it steps by 0.0625), so two sums 0.03
        # apart could round to one value, or swap places.
        work = torch.promote_types(logp.dtype, torch.float32)
        cand = alive_sums.to(work)[:, None] + logp.to(work)  # (n, V) score of each extension

        # Extensions by eos are finished: set aside as they are, never extended again, and
        # padded with eos to the common length P + max_len.
        pad = torch.full((n, 1 + max_len - t), eos, dtype=alive.dtype, device=device)
        done_tokens.append(torch.cat((alive, pad), dim=1))  # (n, P + max_len)
        done_sums.append(cand[:, eos])  # (n,)
        done_lengths.append(torch.full((n,), t, dtype=work, device=device))  # (n,)

        # The other extensions compete for the beam, all beams' candidates together: a beam
        # may have several children in the next beam, or none.
        is_eos = torch.arange(V, device=device) == eos  # (V,)
        cand = cand.masked_fill(is_eos, float("-inf"))  # (n, V)
        k = min(beam_size, n * (V - 1))  # at first fewer than K candidates may exist
        alive_sums, flat = cand.flatten().topk(k)  # (k,) best first
        parent, token = flat // V, flat % V  # (k,) which beam, which token
        alive = torch.cat((alive[parent], token[:, None]), dim=1)  # (k, P + t)

    # max_len tokens generated: the beams still alive end here, finished by length.
    done_tokens.append(alive)  # (k, P + max_len)
    done_sums.append(alive_sums)  # (k,)
    done_lengths.append(torch.full_like(alive_sums, max_len))  # (k,)

    tokens = torch.cat(done_tokens)  # (N, P + max_len) every finished hypothesis
    # Each summed log-prob only ever goes down as a hypothesis grows, which favours short
    # ones; dividing by length ** alpha evens that out (alpha=0: plain sum, 1: mean).
    scores = torch.cat(done_sums) / torch.cat(done_lengths) ** alpha  # (N,)
    best = scores.topk(beam_size).indices  # (K,) best first
    return tokens[best], scores[best].to(logp.dtype)  # (K, P + max_len), (K,)
