import torch


def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    """The textbook form (m_hat, v_hat), computed in float64."""
    b1, b2 = betas
    theta = param.double()
    g = grad.double()
    m = b1 * exp_avg.double() + (1 - b1) * g
    v = b2 * exp_avg_sq.double() + (1 - b2) * g.square()
    m_hat = m / (1 - b1 ** step)
    v_hat = v / (1 - b2 ** step)
    theta = theta - lr * weight_decay * theta
    theta = theta - lr * m_hat / (torch.sqrt(v_hat) + eps)
    out = param.dtype
    return theta.to(out), m.to(out), v.to(out)
