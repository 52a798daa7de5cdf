# expect: rules
import torch
import torch.nn.functional as F


def sliding_window_attention(q, k, v, window):
    T = q.size(-2)
    i = torch.arange(T, device=q.device)
    band = (i[None, :] <= i[:, None]) & (i[None, :] > i[:, None] - window)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=band)  # the drill is to write this
