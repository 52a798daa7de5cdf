# expect: gradients
def softmax(x, dim=-1):
    x = x.detach()  # cuts the graph: no gradient reaches the caller's x
    e = (x - x.amax(dim=dim, keepdim=True)).exp()
    return e / e.sum(dim=dim, keepdim=True)
