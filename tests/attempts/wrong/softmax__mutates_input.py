# expect: numerics, rules
def softmax(x, dim=-1):
    x -= x.amax(dim=dim, keepdim=True)  # changes the caller's tensor
    e = x.exp()
    return e / e.sum(dim=dim, keepdim=True)
