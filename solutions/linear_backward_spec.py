"""The linear-backward drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.compare import tolerance
from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.linear_backward import linear_backward

reference = linear_backward  # the name a mistake uses to call the reference (selftest.py)


# --- property: the gradients are autograd's, said per gradient --------------------------------

def _autograd(call):
    """What autograd gives for y.backward(grad_y), in float64, from the case's own inputs."""
    x, weight, bias, grad_y = (t.detach().double().requires_grad_(i < 3)
                               for i, t in enumerate(call.args))
    y = torch.nn.functional.linear(x, weight, bias)
    return torch.autograd.grad(y, (x, weight, bias), grad_y)


def _equals_autograd(call, out, seen):
    dtype = call.args[0].dtype
    eps = tolerance(dtype).rtol
    problems = []
    for name, got, want in zip(("grad_x", "grad_weight", "grad_bias"), out[1:], _autograd(call)):
        if got.shape != want.shape:
            if got.shape == want.T.shape:
                problems.append(both("{name} has shape {got}, transposed: a gradient has its "
                                     "variable's shape {want}",
                                     "{name} 的形状是 {got}，转置了：梯度的形状与对应变量相同，"
                                     "应为 {want}", name=name, got=tuple(got.shape),
                                     want=tuple(want.shape)))
            else:
                problems.append(both("{name} has shape {got}, but its variable's is {want}: sum "
                                     "over every leading dim of x",
                                     "{name} 的形状是 {got}，但对应变量的形状是 {want}：要在 x 的"
                                     "所有前导维度上求和", name=name, got=tuple(got.shape),
                                     want=tuple(want.shape)))
            continue
        got = got.double()
        scale = float(want.abs().max()) + 1e-12
        if bool(((got - want).abs() <= 8 * eps * (want.abs() + scale) + 1e-30).all()):
            continue
        rows = max(call.args[0].numel() // call.args[0].shape[-1], 1)
        if rows > 1 and bool(torch.allclose(got * rows, want, rtol=1e-2, atol=1e-2 * scale)):
            problems.append(both("{name} is averaged over the {m} rows: autograd sums them (a "
                                 "mean over the batch is already inside grad_y)",
                                 "{name} 对 {m} 行取了平均：autograd 是求和（对批次的平均已经"
                                 "包含在 grad_y 里了）", name=name, m=rows))
        else:
            problems.append(both("{name} differs from autograd's by up to {d:.3g}",
                                 "{name} 与 autograd 的结果最多相差 {d:.3g}", name=name,
                                 d=float((got - want).abs().max())))
    if not problems:
        return None
    return both("{en}", "{zh}", en="; ".join(problems), zh="；".join(p.zh for p in problems))


AUTOGRAD = (Property(T("grad_x, grad_weight, grad_bias equal autograd's",
                       zh="grad_x、grad_weight、grad_bias 与 autograd 的结果相同"),
                     "gradients", _equals_autograd),)


# --- cases ------------------------------------------------------------------------------------

def _inputs(*lead, scale=1.0, noncontiguous=False):
    """x (*lead, In), weight (Out, In), bias (Out,), grad_y (*lead, Out)."""
    def build(r, d):
        sizes = [getattr(d, n) for n in lead]
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(*sizes, d.In, scale=scale)  # (..., In)
        weight = r.normal(d.Out, d.In, scale=0.5)  # (Out, In)
        bias = r.normal(d.Out, scale=0.5)  # (Out,)
        grad_y = make(*sizes, d.Out)  # (..., Out)
        return Call((x, weight, bias, grad_y))
    return build


def _case(name, category, dims, build, **kw):
    return Case(name, category, dims, build, properties=AUTOGRAD, **kw)


CASES = (
    _case(T("every dim a distinct size (B, T, In)", zh="每个维度大小都不同 (B, T, In)"),
          "shape", dict(B=2, T=3, In=5, Out=4), _inputs("B", "T")),
    _case(T("2-D input (N, In)", zh="二维输入 (N, In)"), "shape", dict(N=6, In=5, Out=7),
          _inputs("N")),
    _case(T("one vector x (In,)", zh="x 只是一个向量 (In,)"), "shape", dict(In=6, Out=4),
          _inputs()),
    _case(T("batch of 1, extra leading dims", zh="批大小为 1，前面多几个维度"), "shape",
          dict(B=1, H=2, T=3, In=5, Out=7), _inputs("B", "H", "T")),
    _case(T("non-contiguous x and grad_y", zh="非连续（non-contiguous）的 x 和 grad_y"),
          "shape", dict(B=2, T=4, In=5, Out=3), _inputs("B", "T", noncontiguous=True)),
    _case(T("random inputs (N, In)", zh="随机输入 (N, In)"), "numerics",
          dict(N=8, In=6, Out=5), _inputs("N", scale=2.0)),
    _case(T("3-D input (B, T, In): sums over B and T",
            zh="三维输入 (B, T, In)：在 B 和 T 上求和"), "numerics",
          dict(B=3, T=4, In=5, Out=6), _inputs("B", "T")),
    _case(T("float64", zh="float64"), "numerics", dict(B=3, T=2, In=7, Out=4),
          _inputs("B", "T", scale=2.0), dtype=torch.float64),
    _case(T("float16", zh="float16"), "stability", dict(B=2, T=5, In=12, Out=9),
          _inputs("B", "T"), dtype=torch.float16),
    _case(T("bfloat16", zh="bfloat16"), "stability", dict(B=2, T=5, In=12, Out=9),
          _inputs("B", "T"), dtype=torch.bfloat16),
    _case(T("x of magnitude 100", zh="量级为 100 的 x"), "stability",
          dict(B=2, T=6, In=16, Out=5), _inputs("B", "T", scale=100.0), magnitude=100.0),
)


# --- known mistakes ---------------------------------------------------------------------------

def weight_grad_transposed(x, weight, bias, grad_y):
    y, grad_x, _, grad_bias = reference(x, weight, bias, grad_y)
    x2 = x.float().reshape(-1, x.shape[-1])
    g2 = grad_y.float().reshape(-1, grad_y.shape[-1])
    grad_weight = x2.T @ g2  # the bug: (In, Out), the transpose of dL/dW
    return y, grad_x, grad_weight.to(x.dtype), grad_bias


def bias_grad_averaged(x, weight, bias, grad_y):
    y, grad_x, grad_weight, _ = reference(x, weight, bias, grad_y)
    g2 = grad_y.float().reshape(-1, grad_y.shape[-1])
    return y, grad_x, grad_weight, g2.mean(dim=0).to(x.dtype)  # the bug: mean, not sum


def bias_grad_first_dim_only(x, weight, bias, grad_y):
    y, grad_x, grad_weight, _ = reference(x, weight, bias, grad_y)
    return y, grad_x, grad_weight, grad_y.sum(dim=0)  # the bug: (T, Out) for (B, T, Out)


def weight_grad_per_sample(x, weight, bias, grad_y):
    y, grad_x, _, grad_bias = reference(x, weight, bias, grad_y)
    grad_weight = grad_y.float().transpose(-1, -2) @ x.float()  # the bug: not summed over B
    return y, grad_x, grad_weight.to(x.dtype), grad_bias


DRILL = Drill(
    id="linear_backward",
    title=T("Linear layer: forward and backward by hand",
            zh="线性层：手推前向与反向传播"),
    difficulty="easy",
    tags=("basics", "backprop", "training"),
    minutes=10,
    entry="linear_backward",
    reference=linear_backward,
    cases=CASES,
    outputs=("y", "grad_x", "grad_weight", "grad_bias"),
    differentiable=False,  # the gradients are outputs here, computed by hand
    forbidden=("backward", "grad"),
    aliases=("linear-backward", "linear-grad", "backprop-linear"),
    hints=(
        T("Write y[m, o] = sum_i x[m, i] W[o, i] + b[o] and apply the chain rule to each of x, "
          "W and b. Every gradient has the shape of its variable.",
          zh="写出 y[m, o] = sum_i x[m, i] W[o, i] + b[o]，对 x、W、b 分别用链式法则。每个"
             "梯度的形状都与对应变量相同。"),
        T("Flatten the leading dims into rows: x2 = x.reshape(-1, In), g2 = "
          "grad_y.reshape(-1, Out). W and b are shared by every row, so their gradients add "
          "up over all rows.",
          zh="把前导维度展平成行：x2 = x.reshape(-1, In)，g2 = grad_y.reshape(-1, Out)。"
             "W 和 b 被每一行共用，所以它们的梯度要对所有行求和。"),
        T("grad_x = g2 @ W (reshaped back to x's shape), grad_weight = g2.T @ x2 (Out, In), "
          "grad_bias = g2.sum(0): summed, not averaged.",
          zh="grad_x = g2 @ W（再 reshape 回 x 的形状），grad_weight = g2.T @ x2 (Out, In)，"
             "grad_bias = g2.sum(0)：求和，不是求平均。"),
        T("For float16/bfloat16, compute in float32 and cast every output back to x's dtype.",
          zh="float16/bfloat16 时用 float32 计算，每个输出都转回 x 的 dtype。"),
    ),
    mistakes=(
        Mistake("weight-grad-transposed",
                T("grad_weight is x^T @ grad_y, (In, Out): dL/dW = grad_y^T @ x, with the "
                  "weight's own shape (Out, In)",
                  zh="grad_weight 算成了 x^T @ grad_y，形状 (In, Out)：dL/dW = grad_y^T @ x，"
                     "形状与权重相同 (Out, In)"), weight_grad_transposed),
        Mistake("bias-grad-averaged",
                T("grad_bias is the mean of grad_y over the rows: the bias is shared by every "
                  "row, so its gradient is their sum, grad_y.reshape(-1, Out).sum(0)",
                  zh="grad_bias 对各行的 grad_y 取了平均：偏置被每一行共用，它的梯度是各行"
                     "之和，grad_y.reshape(-1, Out).sum(0)"), bias_grad_averaged),
        Mistake("bias-grad-first-dim-only",
                T("grad_bias is summed over the first dim only: sum grad_y over every leading "
                  "dim, so it has the bias's shape (Out,)",
                  zh="grad_bias 只在第一个维度上求和：要在 grad_y 的所有前导维度上求和，"
                     "结果形状与偏置相同 (Out,)"), bias_grad_first_dim_only),
        Mistake("weight-grad-per-sample",
                T("grad_weight is a batched matmul left unsummed, one per sample: flatten "
                  "the leading dims first, grad_y.reshape(-1, Out).T @ x.reshape(-1, In)",
                  zh="grad_weight 用了批量矩阵乘法却没有求和，每个样本一个：先把前导维度"
                     "展平，grad_y.reshape(-1, Out).T @ x.reshape(-1, In)"),
                weight_grad_per_sample),
    ),
)
