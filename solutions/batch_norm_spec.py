"""The batch-norm drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.batch_norm import batch_norm

reference = batch_norm  # the name a mistake uses to call the reference (see grader/selftest.py)


# --- how a case calls batch_norm --------------------------------------------------------------

def with_running_stats(batch_norm, x, running_mean, running_var, weight, bias, training=True,
                       momentum=0.1, eps=1e-5):
    """Calls batch_norm on copies of the running statistics and returns (y, running_mean,
    running_var) as the call left them: the in-place update is part of the answer. Runs in the
    sandbox, as source."""
    # Copies: the caller's tensors stay as they were (the grader checks that inputs are not
    # modified), and what the attempt did to its buffers is compared. No gradient into them.
    running_mean = running_mean.detach().clone()  # (C,)
    running_var = running_var.detach().clone()  # (C,)
    y = batch_norm(x, running_mean, running_var, weight, bias, training=training,
                   momentum=momentum, eps=eps)
    return y, running_mean, running_var


# --- cases ------------------------------------------------------------------------------------

def _inputs(dims=("N", "C", "H", "W"), training=True, scale=1.0, offset=0.0, spread=0.0,
            noncontiguous=False, **kwargs):
    """x with the named dims (C second); channel c shifted by spread * c on top of offset, so
    that per-channel statistics differ from any other grouping. Running statistics far from
    the batch's, so that using one for the other shows."""
    def build(r, d):
        sizes = [getattr(d, n) for n in dims]
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(*sizes, scale=scale, offset=offset).double()  # (N, C, *)
        shift = spread * torch.arange(d.C, dtype=torch.float64)  # (C,)
        x = (x + shift.view(1, -1, *[1] * (len(sizes) - 2))).to(r.dtype)
        running_mean = r.normal(d.C, scale=0.5, offset=offset)  # (C,)
        running_var = (r.normal(d.C, scale=0.3).double().abs() + 0.5).to(r.dtype)  # (C,) > 0
        weight, bias = r.normal(d.C, scale=0.5, offset=1.0), r.normal(d.C, scale=0.5)
        return Call((x, running_mean, running_var, weight, bias),
                    {"training": training, **kwargs})
    return build


def _case(name, category, dims, build, **kw):
    return Case(name, category, dims, build, drive=with_running_stats, **kw)


CASES = (
    _case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape",
          dict(N=4, C=3, H=5, W=6), _inputs(spread=1.0)),
    _case(T("batch of 1 (statistics over H and W)", zh="批大小为 1（统计量取自 H 和 W）"),
          "shape", dict(N=1, C=3, H=4, W=5), _inputs()),
    _case(T("2-D input (N, C), as BatchNorm1d", zh="二维输入 (N, C)，即 BatchNorm1d"), "shape",
          dict(N=7, C=5), _inputs(("N", "C"), spread=0.5)),
    _case(T("3-D input (N, C, L)", zh="三维输入 (N, C, L)"), "shape", dict(N=3, C=4, L=6),
          _inputs(("N", "C", "L"), spread=0.5)),
    _case(T("non-contiguous input", zh="非连续（non-contiguous）输入"), "shape",
          dict(N=2, C=3, H=4, W=5), _inputs(noncontiguous=True, spread=1.0)),
    _case(T("training: random inputs", zh="训练：随机输入"), "numerics",
          dict(N=4, C=5, H=3, W=2), _inputs(scale=2.0, spread=0.7), grad=True),
    _case(T("eval: normalises with the running statistics",
            zh="eval：用滑动统计量归一化"), "numerics",
          dict(N=3, C=4, H=5, W=2), _inputs(training=False, spread=1.0), grad=True),
    _case(T("training, momentum=0.3 passed in", zh="训练，传入 momentum=0.3"), "numerics",
          dict(N=5, C=3, H=2, W=4), _inputs(spread=0.5, momentum=0.3)),
    # n = 2 * 1 * 3 = 6 values per channel: the unbiased variance is 6/5 of the biased one.
    _case(T("training, 6 values per channel: running_var unbiased",
            zh="训练，每个通道 6 个值：running_var 用无偏方差"), "numerics",
          dict(N=2, C=4, H=1, W=3), _inputs(scale=1.5, momentum=0.5)),
    _case(T("channels far apart, eps=1e-3 passed in", zh="各通道相差很远，传入 eps=1e-3"),
          "numerics", dict(N=3, C=6, H=2, W=5), _inputs(scale=0.2, spread=3.0, eps=1e-3)),
    _case(T("float64", zh="float64"), "numerics", dict(N=3, C=4, H=5, W=2),
          _inputs(scale=2.0, spread=0.5), dtype=torch.float64),
    _case(T("float16", zh="float16"), "stability", dict(N=4, C=3, H=5, W=6),
          _inputs(scale=2.0, offset=1.0, spread=0.5), dtype=torch.float16),
    _case(T("bfloat16", zh="bfloat16"), "stability", dict(N=4, C=3, H=5, W=6),
          _inputs(scale=2.0, offset=1.0, spread=0.5), dtype=torch.bfloat16),
    # E[x^2] - E[x]^2 at 1e4 + N(0, 1): both ~1e8, float32 keeps ~7 digits, the variance of ~1
    # is lost.
    _case(T("x around 1e4", zh="x 在 1e4 附近"), "stability", dict(N=4, C=3, H=5, W=6),
          _inputs(offset=1e4), magnitude=1e4),
)


# --- known mistakes ---------------------------------------------------------------------------

def biased_running_var(x, running_mean, running_var, weight, bias, training=True,
                       momentum=0.1, eps=1e-5):
    if not training:
        return reference(x, running_mean, running_var, weight, bias, False, momentum, eps)
    dims, shape = [0, *range(2, x.dim())], [1, -1] + [1] * (x.dim() - 2)
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    mean = z.mean(dim=dims)
    var = z.var(dim=dims, unbiased=False)
    with torch.no_grad():
        running_mean.copy_((1 - momentum) * running_mean + momentum * mean)
        running_var.copy_((1 - momentum) * running_var + momentum * var)  # the bug: biased
    y = (z - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
    return (y * weight.view(shape) + bias.view(shape)).to(x.dtype)


def per_sample_statistics(x, running_mean, running_var, weight, bias, training=True,
                          momentum=0.1, eps=1e-5):
    if not training:
        return reference(x, running_mean, running_var, weight, bias, False, momentum, eps)
    reference(x, running_mean, running_var, weight, bias, True, momentum, eps)  # the update
    shape = [1, -1] + [1] * (x.dim() - 2)
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    dims = list(range(1, x.dim()))  # the bug: over each sample (C, H, W), not over (N, H, W)
    mean = z.mean(dim=dims, keepdim=True)
    var = z.var(dim=dims, unbiased=False, keepdim=True)
    y = (z - mean) / torch.sqrt(var + eps)
    return (y * weight.view(shape) + bias.view(shape)).to(x.dtype)


def eval_uses_batch_stats(x, running_mean, running_var, weight, bias, training=True,
                          momentum=0.1, eps=1e-5):
    if training:
        return reference(x, running_mean, running_var, weight, bias, True, momentum, eps)
    # the bug: eval normalises with this batch's statistics
    dims, shape = [0, *range(2, x.dim())], [1, -1] + [1] * (x.dim() - 2)
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    mean, var = z.mean(dim=dims), z.var(dim=dims, unbiased=False)
    y = (z - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
    return (y * weight.view(shape) + bias.view(shape)).to(x.dtype)


def momentum_swapped(x, running_mean, running_var, weight, bias, training=True,
                     momentum=0.1, eps=1e-5):
    # the bug: keeps `momentum` of the old value and (1 - momentum) of the batch's (Keras's
    # convention, not torch's)
    return reference(x, running_mean, running_var, weight, bias, training, 1 - momentum, eps)


def running_stats_rebound(x, running_mean, running_var, weight, bias, training=True,
                          momentum=0.1, eps=1e-5):
    # the bug: the update is computed on copies (as `running_mean = ...` rebinding a local name
    # does), so the caller's buffers never move
    return reference(x, running_mean.clone(), running_var.clone(), weight, bias, training,
                     momentum, eps)


DRILL = Drill(
    id="batch_norm",
    title=T("Batch normalisation (train and eval)", zh="批归一化 BatchNorm（训练与 eval）"),
    difficulty="medium",
    tags=("basics", "normalisation", "training"),
    minutes=12,
    entry="batch_norm",
    reference=batch_norm,
    cases=CASES,
    outputs=("y", "running_mean", "running_var"),
    forbidden=("batch_norm", "instance_norm", "group_norm", "layer_norm"),
    aliases=("batchnorm", "bn", "batch-norm"),
    hints=(
        T("Each channel gets its own mean and variance, taken over the batch and every "
          "position; training uses the batch's and updates running averages, eval uses the "
          "running averages.",
          zh="每个通道有自己的均值和方差，统计范围是整个批次和所有位置；训练时用当前批次的"
             "统计量并更新滑动平均，eval 时用滑动平均。"),
        T("Reduce over every dim but 1: dims = [0, *range(2, x.dim())]; view a (C,) vector as "
          "(1, C, 1, ...) to broadcast it back over x.",
          zh="在除第 1 维以外的所有维度上归约：dims = [0, *range(2, x.dim())]；把 (C,) 向量 "
             "view 成 (1, C, 1, ...)，才能广播回 x。"),
        T("Normalise with the biased variance (divide by n), but store the unbiased one: "
          "running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1). "
          "momentum weighs the NEW batch.",
          zh="归一化用有偏方差（除以 n），但存进滑动方差的是无偏方差：running_var = "
             "(1 - momentum) * running_var + momentum * var * n / (n - 1)。momentum 是"
             "新批次的权重。"),
        T("Update the buffers in place under torch.no_grad(): running_mean.copy_(...) "
          "(running_mean = ... only rebinds a local name). In eval, normalise with "
          "running_mean and running_var and leave them alone.",
          zh="在 torch.no_grad() 下原地更新缓冲区：running_mean.copy_(...)（写 "
             "running_mean = ... 只是给局部变量重新赋值）。eval 时用 running_mean 和 "
             "running_var 归一化，不要改动它们。"),
    ),
    mistakes=(
        Mistake("biased-running-var",
                T("running_var is updated with the biased batch variance: store the unbiased "
                  "one, var * n / (n - 1), as torch does",
                  zh="running_var 用有偏的批方差更新：要像 torch 一样存无偏方差 "
                     "var * n / (n - 1)"), biased_running_var),
        Mistake("per-sample-statistics",
                T("statistics are taken per sample (over C, H, W), as in layer norm: batch "
                  "norm takes them per channel, over every dim but 1",
                  zh="统计量按样本计算（在 C、H、W 上），那是 layer norm 的做法：batch norm "
                     "按通道计算，在除第 1 维外的所有维度上归约"), per_sample_statistics),
        Mistake("eval-uses-batch-stats",
                T("eval normalises with the batch's statistics: in eval use running_mean and "
                  "running_var, so an output does not depend on the rest of the batch",
                  zh="eval 时用了当前批次的统计量：eval 要用 running_mean 和 running_var，这样"
                     "一个样本的输出才不依赖批次里的其他样本"), eval_uses_batch_stats),
        Mistake("momentum-swapped",
                T("momentum weighs the old running value: in torch it weighs the new batch, "
                  "running = (1 - momentum) * running + momentum * batch",
                  zh="momentum 成了旧的滑动值的权重：torch 里它是新批次的权重，running = "
                     "(1 - momentum) * running + momentum * batch"), momentum_swapped),
        Mistake("running-stats-rebound",
                T("the running statistics never change: update the caller's tensors in place, "
                  "running_mean.copy_(...), not running_mean = ...",
                  zh="滑动统计量根本没变：要原地更新调用者传入的张量，running_mean.copy_(...)，"
                     "而不是 running_mean = ..."), running_stats_rebound),
    ),
)
