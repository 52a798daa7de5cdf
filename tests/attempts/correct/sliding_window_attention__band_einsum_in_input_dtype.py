import torch


def sliding_window_attention(q, k, v, window):
    # Everything in the input dtype, even float16: the band is tril() & triu(-(window - 1)),
    # and the scores outside it get the dtype's most negative finite value.
    T = q.shape[-2]
    ones = torch.ones(T, T, dtype=torch.bool, device=q.device)
    band = ones.tril() & ones.triu(-(window - 1))
    att = torch.einsum("bhqd,bhkd->bhqk", q, k) * q.shape[-1] ** -0.5
    att = torch.where(band, att, torch.finfo(att.dtype).min)
    return torch.einsum("bhqk,bhkd->bhqd", att.softmax(dim=-1), v)
