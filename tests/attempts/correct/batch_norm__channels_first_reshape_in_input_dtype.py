import torch


def batch_norm(x, running_mean, running_var, weight, bias, training=True,
               momentum=0.1, eps=1e-5):
    N, C = x.shape[:2]
    rows = x.transpose(0, 1).reshape(C, -1)  # (C, n): one row per channel
    if training:
        n = rows.shape[1]
        mean = rows.mean(dim=1)
        var = ((rows - mean[:, None]) ** 2).sum(dim=1) / n
        with torch.no_grad():
            running_mean.copy_((1 - momentum) * running_mean + momentum * mean)
            running_var.copy_((1 - momentum) * running_var
                              + momentum * var * n / (n - 1))
    else:
        mean, var = running_mean, running_var
    scale = weight / torch.sqrt(var + eps)  # (C,): fold the normalisation into one affine
    shift = bias - mean * scale
    y = rows * scale[:, None] + shift[:, None]  # (C, n)
    return y.reshape(C, N, *x.shape[2:]).transpose(0, 1)
