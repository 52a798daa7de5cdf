# expect: rules
import torch

kernel = torch.ops.aten._scaled_dot_product_attention_math  # the kernel behind F.*, by name


def scaled_dot_product_attention(q, k, v, mask=None):
    bias = None if mask is None else torch.zeros((), dtype=q.dtype, device=q.device).masked_fill(
        ~mask, float("-inf"))  # this kernel wants an additive mask
    return kernel(q, k, v, attn_mask=bias)[0]
