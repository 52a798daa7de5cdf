# expect: shape, numerics, stability, device, rules
import torch


def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    p = torch.nn.Parameter(param.detach().float().clone())
    p.grad = grad.detach().float().clone()
    opt = torch.optim.AdamW([p], lr=lr, betas=betas, eps=eps,
                            weight_decay=weight_decay)
    opt.state[p] = {"step": torch.tensor(float(step - 1)),
                    "exp_avg": exp_avg.detach().float().clone(),
                    "exp_avg_sq": exp_avg_sq.detach().float().clone()}
    opt.step()
    state = opt.state[p]
    return (p.detach().to(param.dtype), state["exp_avg"].to(param.dtype),
            state["exp_avg_sq"].to(param.dtype))
