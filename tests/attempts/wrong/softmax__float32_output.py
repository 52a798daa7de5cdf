# expect: shape
def softmax(x, dim=-1):
    z = x.float()
    e = (z - z.amax(dim=dim, keepdim=True)).exp()
    return e / e.sum(dim=dim, keepdim=True)  # float32 even for float16/float64 input
