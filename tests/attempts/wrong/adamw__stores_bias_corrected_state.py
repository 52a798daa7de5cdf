# expect: shape, numerics, stability
def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    beta1, beta2 = betas
    p, g = param.float(), grad.float()
    m = (beta1 * exp_avg.float() + (1 - beta1) * g) / (1 - beta1 ** step)
    v = (beta2 * exp_avg_sq.float() + (1 - beta2) * g * g) / (1 - beta2 ** step)
    p = p * (1 - lr * weight_decay) - lr * m / (v.sqrt() + eps)
    # returns m_hat and v_hat as the state: the next step corrects them again
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)
