import torch


def info_nce(a, b, temperature=0.07):
    n = a.size(0)
    a32, b32 = a.float(), b.float()
    # rsqrt of the clamped squared norm: the same as dividing by max(||x||, 1e-12)
    a32 = a32 * a32.pow(2).sum(-1, keepdim=True).clamp(min=1e-24).rsqrt()
    b32 = b32 * b32.pow(2).sum(-1, keepdim=True).clamp(min=1e-24).rsqrt()
    logits = torch.matmul(a32, b32.transpose(0, 1)).div(temperature)
    idx = torch.arange(n, device=a.device)
    row_logp = torch.log_softmax(logits, dim=1)[idx, idx]  # p(b_i | a_i)
    col_logp = torch.log_softmax(logits, dim=0)[idx, idx]  # p(a_i | b_i)
    loss = -(row_logp.sum() + col_logp.sum()) / (2 * n)
    return loss.to(a.dtype)
