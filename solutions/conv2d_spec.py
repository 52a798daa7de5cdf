"""The conv2d drill: cases, hints and known mistakes."""

import math

import torch
import torch.nn.functional as F

from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.conv2d import conv2d

reference = conv2d  # the name a mistake uses to call the reference (see grader/selftest.py)


def _conv(stride=1, padding=0, dilation=1, bias=True, scale=1.0, noncontiguous=False):
    """x (N, C, H, W) and weight (O, C, kH, kW) with the case's dims; bias (O,) or None.
    Weights are scaled by 1/sqrt(C * kH * kW) so that outputs stay near the inputs' size."""
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(d.N, d.C, d.H, d.W, scale=scale)  # (N, C, H, W)
        weight = r.normal(d.O, d.C, d.kH, d.kW, scale=1 / math.sqrt(d.C * d.kH * d.kW))
        b = r.normal(d.O) if bias else None  # (O,)
        return Call((x, weight), dict(bias=b, stride=stride, padding=padding,
                                      dilation=dilation))
    return build


def _matches_f_conv2d(call, out, seen):
    # F.conv2d is forbidden to the attempt, not to the grader: it is the ground truth here.
    x, weight = call.args
    kw = call.kwargs
    bias = None if kw["bias"] is None else kw["bias"].double()
    want = F.conv2d(x.double(), weight.double(), bias, kw["stride"], kw["padding"],
                    kw["dilation"])  # (N, O, H_out, W_out)
    if out.shape != want.shape:
        return both("F.conv2d gives shape {want}, yours {got}",
                    "F.conv2d 给出的形状是 {want}，你的是 {got}",
                    want=tuple(want.shape), got=tuple(out.shape))
    worst = (out.double() - want).abs().max().item() if want.numel() else 0.0
    if not torch.allclose(out.double(), want, rtol=1e-5, atol=1e-5):
        return both("differs from F.conv2d by up to {worst:.3g}",
                    "与 F.conv2d 的结果最多相差 {worst:.3g}", worst=worst)
    return None


EQUALS_F_CONV2D = Property(T("equals F.conv2d", zh="与 F.conv2d 结果一致"), "numerics",
                           _matches_f_conv2d)

CASES = (
    Case(T("every dim a distinct size: 3x2 kernel, padding=1",
           zh="每个维度大小都不同：3x2 卷积核，padding=1"),
         "shape", dict(N=4, C=5, O=6, H=9, W=11, kH=3, kW=2), _conv(padding=1)),
    Case(T("batch of 1: stride=2, padding=2", zh="批大小为 1：stride=2，padding=2"),
         "shape", dict(N=1, C=2, O=4, H=10, W=7, kH=3, kW=5), _conv(stride=2, padding=2)),
    Case(T("non-contiguous x: padding=1", zh="非连续（non-contiguous）的 x：padding=1"),
         "shape", dict(N=2, C=3, O=5, H=8, W=7, kH=4, kW=3), _conv(padding=1,
                                                                  noncontiguous=True)),
    Case(T("odd sizes, stride=3: H_out and W_out round down",
           zh="奇数尺寸，stride=3：H_out 和 W_out 向下取整"),
         "shape", dict(N=3, C=2, O=5, H=13, W=11, kH=3, kW=4),
         _conv(stride=3, padding=1), properties=(EQUALS_F_CONV2D,)),
    Case(T("stride=2, padding=1, dilation=2, with gradients",
           zh="stride=2，padding=1，dilation=2，检查梯度"),
         "numerics", dict(N=2, C=3, O=4, H=11, W=10, kH=3, kW=2),
         _conv(stride=2, padding=1, dilation=2), grad=True, properties=(EQUALS_F_CONV2D,)),
    Case(T("bias=None", zh="bias=None"),
         "numerics", dict(N=2, C=4, O=3, H=7, W=9, kH=3, kW=5), _conv(padding=2, bias=False)),
    Case(T("per-axis stride=(2, 1), padding=(0, 2), dilation=(1, 3)",
           zh="按轴分别设置 stride=(2, 1)，padding=(0, 2)，dilation=(1, 3)"),
         "numerics", dict(N=2, C=3, O=5, H=14, W=9, kH=4, kW=3),
         _conv(stride=(2, 1), padding=(0, 2), dilation=(1, 3)), properties=(EQUALS_F_CONV2D,)),
    Case(T("1x1 kernel, stride=2", zh="1x1 卷积核，stride=2"),
         "numerics", dict(N=3, C=4, O=6, H=7, W=5, kH=1, kW=1), _conv(stride=2)),
    Case(T("kernel as large as the padded input: a 1x1 output",
           zh="卷积核与补零后的输入一样大：输出为 1x1"),
         "numerics", dict(N=2, C=3, O=4, H=5, W=6, kH=7, kW=8), _conv(padding=1)),
    Case(T("float64: stride=2, padding=3, dilation=2",
           zh="float64：stride=2，padding=3，dilation=2"),
         "numerics", dict(N=2, C=3, O=4, H=9, W=10, kH=3, kW=5),
         _conv(stride=2, padding=3, dilation=2), dtype=torch.float64),
    Case(T("float16: padding=1", zh="float16：padding=1"),
         "stability", dict(N=2, C=6, O=5, H=8, W=9, kH=3, kW=4), _conv(padding=1),
         dtype=torch.float16),
    Case(T("bfloat16: stride=2, padding=2", zh="bfloat16：stride=2，padding=2"),
         "stability", dict(N=3, C=5, O=4, H=9, W=7, kH=3, kW=2), _conv(stride=2, padding=2),
         dtype=torch.bfloat16),
    Case(T("inputs of magnitude 1e3: dilation=2", zh="输入量级为 1e3：dilation=2"),
         "stability", dict(N=2, C=3, O=5, H=8, W=9, kH=3, kW=4),
         _conv(padding=1, dilation=2, scale=1e3), magnitude=1e3),
)


def flipped_kernel(x, weight, bias=None, stride=1, padding=0, dilation=1):
    # the bug: the textbook (signal-processing) convolution flips the kernel; F.conv2d doesn't
    return reference(x, weight.flip(-2, -1), bias, stride, padding, dilation)


def padding_on_one_side(x, weight, bias=None, stride=1, padding=0, dilation=1):
    pH, pW = (padding, padding) if isinstance(padding, int) else tuple(padding)
    N, C, H, W = x.shape
    canvas = x.new_zeros(N, C, H + 2 * pH, W + 2 * pW)
    canvas[:, :, :H, :W] = x  # the bug: x sits in the corner, all the zeros bottom and right
    return reference(canvas, weight, bias, stride, 0, dilation)


def output_size_without_plus_one(x, weight, bias=None, stride=1, padding=0, dilation=1):
    # the bug: H_out = (H + 2p - d(k - 1) - 1) // s, the first window is not counted
    return reference(x, weight, bias, stride, padding, dilation)[..., :-1, :-1]


def weight_flattened_kernel_major(x, weight, bias=None, stride=1, padding=0, dilation=1):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    N, C, H, W = x.shape
    O, _, kH, kW = weight.shape
    sH, sW = pair(stride)
    pH, pW = pair(padding)
    dH, dW = pair(dilation)
    H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1
    W_out = (W + 2 * pW - dW * (kW - 1) - 1) // sW + 1
    ct = torch.promote_types(x.dtype, torch.float32)
    cols = F.unfold(x.to(ct), (kH, kW), dilation=(dH, dW), padding=(pH, pW), stride=(sH, sW))
    # the bug: unfold's rows are channel-major (c, a, b); this weight is laid out (a, b, c)
    w = weight.permute(0, 2, 3, 1).reshape(O, C * kH * kW).to(ct)
    out = w @ cols
    if bias is not None:
        out = out + bias.to(ct)[:, None]
    return out.reshape(N, O, H_out, W_out).to(x.dtype)


DRILL = Drill(
    id="conv2d",
    title=T("2-D convolution (stride, padding, dilation)",
            zh="二维卷积（stride、padding、dilation）"),
    difficulty="medium",
    tags=("classic", "cnn", "vision"),
    minutes=20,
    entry="conv2d",
    reference=conv2d,
    cases=CASES,
    # "conv" matches F.conv2d, torch.conv2d, nn.Conv2d's aten convolution and conv_transpose.
    forbidden=("conv",),
    aliases=("conv", "convolution", "conv2d-unfold", "im2col"),
    hints=(
        T("Every output pixel is a dot product between the kernel and one window of the "
          "zero-padded input. First get the output size right, then the windows.",
          zh="每个输出像素都是卷积核与补零后输入的一个窗口的点积。先把输出尺寸算对，再取窗口。"),
        T("H_out = (H + 2*pH - dH*(kH - 1) - 1) // sH + 1: a dilated kernel spans "
          "dH*(kH - 1) + 1 rows. Pad both sides: F.pad(x, (pW, pW, pH, pH)) (the last dim "
          "comes first in F.pad).",
          zh="H_out = (H + 2*pH - dH*(kH - 1) - 1) // sH + 1：带空洞的卷积核跨 "
             "dH*(kH - 1) + 1 行。两侧都要补零：F.pad(x, (pW, pW, pH, pH))（F.pad 先写最后"
             "一维）。"),
        T("F.unfold(x, (kH, kW), dilation, padding, stride) gives every window as a column, "
          "(N, C*kH*kW, H_out*W_out), ordered channel first then kernel row then column: "
          "exactly how weight.reshape(O, -1) flattens. Don't flip the kernel.",
          zh="F.unfold(x, (kH, kW), dilation, padding, stride) 把每个窗口展开成一列，形状 "
             "(N, C*kH*kW, H_out*W_out)，顺序是先通道、再核的行、再核的列：正好和 "
             "weight.reshape(O, -1) 的展平顺序一致。不要翻转卷积核。"),
        T("out = weight.reshape(O, -1) @ cols, + bias[:, None], then reshape to (N, O, H_out, "
          "W_out). For float16/bfloat16 compute in float32 and return .to(x.dtype).",
          zh="out = weight.reshape(O, -1) @ cols，加上 bias[:, None]，再 reshape 成 (N, O, "
             "H_out, W_out)。float16/bfloat16 输入用 float32 计算，最后 .to(x.dtype)。"),
    ),
    mistakes=(
        Mistake("flipped-kernel",
                T("flips the kernel (the signal-processing convolution): F.conv2d is a "
                  "cross-correlation, use weight as it is",
                  zh="翻转了卷积核（信号处理里的卷积）：F.conv2d 是互相关，卷积核原样使用"),
                flipped_kernel),
        Mistake("padding-on-one-side",
                T("all the zero padding lands bottom and right (x copied to [:H, :W]): put x at "
                  "[pH:pH + H, pW:pW + W], pH zeros on each side",
                  zh="补的零全在下边和右边（x 被拷到 [:H, :W]）：要把 x 放在 [pH:pH + H, "
                     "pW:pW + W]，每一侧各补 pH 个零"),
                padding_on_one_side),
        Mistake("output-size-formula",
                T("one row and column short: H_out = (H + 2p - d*(k - 1) - 1) // s + 1, the "
                  "+ 1 counts the first window",
                  zh="输出少了一行一列：H_out = (H + 2p - d*(k - 1) - 1) // s + 1，"
                     "+ 1 算的是第一个窗口"),
                output_size_without_plus_one),
        Mistake("weight-order-mismatch",
                T("the weight is flattened (kH, kW, C) but unfold's columns are (C, kH, kW): "
                  "use weight.reshape(O, -1) without a permute",
                  zh="权重按 (kH, kW, C) 展平，而 unfold 的列是 (C, kH, kW) 顺序：直接用 "
                     "weight.reshape(O, -1)，不要 permute"),
                weight_flattened_kernel_major),
    ),
)
