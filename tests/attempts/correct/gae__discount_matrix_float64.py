import torch


def gae(rewards, values, dones, gamma=0.99, lam=0.95):
    # No recursion: A = W @ delta, with W[t, s] = prod_{k=t}^{s-1} gamma*lam*(1 - d_k).
    r, v = rewards.double(), values.double()
    alive = 1 - dones.double()
    delta = r + gamma * v[1:] * alive - v[:-1]
    n = r.shape[0]
    c = (gamma * lam * alive).unsqueeze(0).expand(n, *alive.shape)  # (t, k, ...)
    tri = torch.ones(n, n, dtype=torch.bool, device=r.device).triu()  # k >= t
    tri = tri.reshape(n, n, *([1] * (alive.dim() - 1)))
    c = torch.where(tri, c, torch.ones_like(c))
    # prod_{k=t}^{s-1}: an exclusive cumprod along k
    prods = torch.cat([torch.ones_like(c[:, :1]), c[:, :-1].cumprod(dim=1)], dim=1)
    w = torch.where(tri, prods, torch.zeros_like(prods))  # (t, s, ...)
    adv = (w * delta.unsqueeze(0)).sum(dim=1)
    return adv.to(rewards.dtype), (adv + v[:-1]).to(rewards.dtype)
