import torch


def sinusoidal_pe(T, d_model, device=None, dtype=torch.float32):
    # One angle per column: column j uses the frequency of its pair, 2 * (j // 2); then
    # sin where j is even, cos where it is odd.
    col = torch.arange(d_model, device=device)
    pos = torch.arange(T, device=device, dtype=torch.float32)
    angle = pos[:, None] / 10000 ** ((2 * (col // 2)).float() / d_model)
    return torch.where(col % 2 == 0, torch.sin(angle), torch.cos(angle)).to(dtype)
