import torch


def info_nce(a, b, temperature=0.07):
    # By hand in float64: -log softmax(z)[i] = logsumexp(z) - z[i], along both axes of one
    # similarity matrix.
    x, y = a.double(), b.double()
    x = x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)
    y = y / y.norm(dim=1, keepdim=True).clamp_min(1e-12)
    sim = torch.einsum("id,jd->ij", x, y) / temperature
    pos = torch.diagonal(sim)
    a_to_b = (torch.logsumexp(sim, dim=1) - pos).mean()  # each row: a_i against every b
    b_to_a = (torch.logsumexp(sim, dim=0) - pos).mean()  # each column: b_j against every a
    return (0.5 * (a_to_b + b_to_a)).to(a.dtype)
