"""The AdamW drill: cases, hints and known mistakes."""

import math

import torch
from torch.optim.adamw import adamw

from handwrite.grader.i18n import T, both, tr
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.adamw import adamw_step

reference = adamw_step  # the name a mistake uses to call the reference (see grader/selftest.py)


# --- how the 100-step case calls adamw_step ---------------------------------------------------

def hundred_steps(adamw_step, param, target, curvature, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                  weight_decay=1e-2, steps=100):
    """Trains param for `steps` steps of adamw_step on a fixed noisy quadratic and returns
    (param, exp_avg, exp_avg_sq) at the end, and the param after each step (steps, *).
    Runs in the sandbox, as source.

    loss = sum(curvature * (param - target)**2) / 2, so the gradient is
    curvature * (param - target), plus a deterministic "noise" 0.1 * sin(1.3 t + 0.7 i) that
    keeps the gradients from vanishing. It is computed here from the param the previous step
    returned: an error at one step carries into every later one, as in training.
    """
    index = torch.arange(param.numel(), device=param.device, dtype=param.dtype)  # (n,)
    index = index.reshape(param.shape)  # (*)
    exp_avg = torch.zeros_like(param)  # (*) the state starts at zero, as torch.optim's does
    exp_avg_sq = torch.zeros_like(param)  # (*)
    trajectory = []
    p = param  # the caller's param itself at step 1: modifying it in place is caught
    for t in range(1, steps + 1):
        noise = 0.1 * torch.sin(1.3 * t + 0.7 * index)  # (*)
        grad = curvature * (p - target) + noise  # (*)
        out = adamw_step(p, grad, exp_avg, exp_avg_sq, t, lr=lr, betas=betas, eps=eps,
                         weight_decay=weight_decay)
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise TypeError(tr(
                "adamw_step returned {got}, expected a tuple (new_param, new_exp_avg, "
                "new_exp_avg_sq)", "adamw_step 返回了 {got}，应为 tuple (new_param, "
                "new_exp_avg, new_exp_avg_sq)", got=type(out).__name__))
        p, exp_avg, exp_avg_sq = out
        trajectory.append(p.detach().clone())  # a copy: a later in-place step can't move it
    return p, exp_avg, exp_avg_sq, torch.stack(trajectory)  # ..., (steps, *)


# --- property: the same 100 steps, by torch.optim.AdamW itself --------------------------------

class _TorchAdamW:
    """adamw_step's signature, backed by torch.optim's own AdamW step (its functional form,
    torch.optim.adamw.adamw, which keeps clear of torch._dynamo: the Optimizer class imports
    it, a second's wait) on state held here: the param, exp_avg and exp_avg_sq passed in after
    the first step are ignored, and what torch holds is returned. The attempt may not call
    torch.optim; the grader may."""

    def __init__(self):
        self.state = None

    def __call__(self, param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay):
        if self.state is None:
            self.state = [t.detach().clone() for t in (param, exp_avg, exp_avg_sq)]
            self.step = torch.tensor(float(step - 1))  # torch counts it up before using it
        p, m, v = self.state
        adamw([p], [grad.detach().clone()], [m], [v], [], [self.step], foreach=False,
              capturable=False, differentiable=False, fused=None, grad_scale=None,
              found_inf=None, has_complex=False, amsgrad=False, beta1=betas[0],
              beta2=betas[1], lr=lr, weight_decay=weight_decay, eps=eps, maximize=False)
        assert int(self.step) == step, (int(self.step), step)
        return p.clone(), m.clone(), v.clone()


def _tracks_torch_adamw(call, out, seen):
    args = [a.detach().double() if isinstance(a, torch.Tensor) else a for a in call.args]
    want = hundred_steps(_TorchAdamW(), *args, **call.kwargs)
    got = [o.double() for o in out]
    if got[3].shape != want[3].shape:
        return both("the param after each step has shape {got}, expected {want}",
                    "每一步之后的 param 形状为 {got}，应为 {want}",
                    got=tuple(got[3].shape), want=tuple(want[3].shape))
    # The attempt runs in float32 and torch here in float64: a correct step stays within
    # ~1e-6 of it all the way; a wrong one leaves by 1e-4 within a few steps.
    off = (got[3] - want[3]).abs().flatten(1).amax(dim=1)  # (steps,)
    off = torch.where(off.isnan(), torch.full_like(off, math.inf), off)
    bad = (off > 1e-4).nonzero()
    if len(bad):
        k = int(bad[0])
        return both("the param leaves torch.optim.AdamW's path at step {k} of {n} (off by "
                    "{d:.3g} there, by {end:.3g} after the last step)",
                    "param 在第 {k} / {n} 步偏离了 torch.optim.AdamW 的轨迹（该步相差 {d:.3g}，"
                    "最后一步后相差 {end:.3g}）", k=k + 1, n=len(off), d=float(off[k]),
                    end=float(off[-1]))
    for name, g, w in (("exp_avg", got[1], want[1]), ("exp_avg_sq", got[2], want[2])):
        if g.shape != w.shape or not torch.allclose(g, w, rtol=1e-4, atol=1e-6):
            d = float((g - w).abs().max()) if g.shape == w.shape else math.inf
            return both("after {n} steps, {name} differs from torch.optim.AdamW's state by up "
                        "to {d:.3g}", "{n} 步之后，{name} 与 torch.optim.AdamW 的状态最多相差 "
                        "{d:.3g}", n=len(off), name=name, d=d)
    return None


TRACKS_TORCH = Property(T("100 steps track torch.optim.AdamW",
                          zh="100 步都与 torch.optim.AdamW 一致"), "numerics",
                        _tracks_torch_adamw)


# --- cases ------------------------------------------------------------------------------------

def _step(step, names, grad_scale=1.0, noncontiguous=False, **kwargs):
    """One step on a param with the named dims. At step 1 the state is zero (torch.optim starts
    it so); later, exp_avg and exp_avg_sq are what many steps of gradients of size grad_scale
    leave: m ~ (1 - beta1**step) * N(0, 1), v ~ (1 - beta2**step) * (|N| + 0.3)**2, so that
    m_hat and v_hat are of the size of one gradient and the update is about lr."""
    def build(r, d):
        shape = [getattr(d, n) for n in names]
        make = r.noncontiguous if noncontiguous and len(shape) >= 2 else r.normal
        beta1, beta2 = kwargs.get("betas", (0.9, 0.999))
        param = make(*shape)  # (*)
        grad = make(*shape, scale=grad_scale)  # (*)
        if step == 1:
            exp_avg = torch.zeros(shape, dtype=r.dtype)  # (*)
            exp_avg_sq = torch.zeros(shape, dtype=r.dtype)  # (*)
        else:
            exp_avg = r.normal(*shape, scale=(1 - beta1**step) * grad_scale)  # (*)
            rms = r.normal(*shape, scale=grad_scale).double().abs() + 0.3 * grad_scale
            exp_avg_sq = ((1 - beta2**step) * rms**2).to(r.dtype)  # (*) > 0
        return Call((param, grad, exp_avg, exp_avg_sq, step), kwargs)
    return build


def _quadratic(**kwargs):
    """Start, minimum and curvature (between 0.5 and 4.5) of the quadratic hundred_steps
    descends."""
    def build(r, d):
        param = r.normal(d.N, d.D)  # (N, D)
        target = r.normal(d.N, d.D, scale=0.5)  # (N, D)
        curvature = (r.normal(d.N, d.D).double().abs() * 2 + 0.5).to(r.dtype)  # (N, D)
        return Call((param, target, curvature), kwargs)
    return build


MATRIX = ("O", "I")

CASES = (
    Case(T("a weight matrix (O, I), step 5", zh="权重矩阵 (O, I)，第 5 步"), "shape",
         dict(O=5, I=7), _step(5, MATRIX)),
    Case(T("a bias vector (O,), step 1: the state starts at zero",
           zh="偏置向量 (O,)，第 1 步：状态从零开始"), "shape",
         dict(O=11), _step(1, ("O",))),
    Case(T("a conv weight (O, C, kH, kW), step 12", zh="卷积权重 (O, C, kH, kW)，第 12 步"),
         "shape", dict(O=6, C=4, kH=3, kW=2), _step(12, ("O", "C", "kH", "kW"))),
    Case(T("a scalar parameter (0-dim), step 7", zh="标量参数（0 维），第 7 步"), "shape",
         dict(), _step(7, ())),
    Case(T("one row (1, D), step 3", zh="只有一行 (1, D)，第 3 步"), "shape",
         dict(B=1, D=9), _step(3, ("B", "D"))),
    Case(T("non-contiguous param and grad (transposed views), step 4",
           zh="非连续（non-contiguous）的 param 和 grad（转置视图），第 4 步"), "shape",
         dict(N=5, D=8), _step(4, ("N", "D"), noncontiguous=True)),
    Case(T("step=1: the bias corrections are largest", zh="step=1：偏差修正最大"), "numerics",
         dict(N=6, D=4), _step(1, ("N", "D"), lr=1e-2)),
    Case(T("step=10000: the bias corrections are ~1", zh="step=10000：偏差修正约为 1"),
         "numerics", dict(N=4, D=6), _step(10000, ("N", "D"))),
    Case(T("weight_decay=0: plain Adam", zh="weight_decay=0：就是普通的 Adam"), "numerics",
         dict(N=3, D=7), _step(6, ("N", "D"), weight_decay=0.0)),
    Case(T("odd betas=(0.8, 0.95), step 3", zh="不常见的 betas=(0.8, 0.95)，第 3 步"),
         "numerics", dict(N=5, D=3), _step(3, ("N", "D"), betas=(0.8, 0.95))),
    Case(T("lr=0.1, weight_decay=0.5: the decay comes before the update",
           zh="lr=0.1，weight_decay=0.5：先衰减，再做 Adam 更新"), "numerics",
         dict(N=4, D=5), _step(8, ("N", "D"), lr=0.1, weight_decay=0.5)),
    Case(T("tiny gradients (1e-6): eps sits beside sqrt(v_hat)",
           zh="极小的梯度（1e-6）：eps 与 sqrt(v_hat) 相加"), "numerics",
         dict(N=6, D=5), _step(9, ("N", "D"), grad_scale=1e-6)),
    Case(T("100 steps on a noisy quadratic", zh="在带噪声的二次函数上走 100 步"), "numerics",
         dict(N=3, D=5), _quadratic(lr=1e-2, weight_decay=0.1), drive=hundred_steps,
         properties=(TRACKS_TORCH,),
         # 100 steps of float32 rounding, fed back through the gradient, drift ~1e-5 from the
         # float64 truth (a correct torch.lerp answer: 1.6e-5 in exp_avg): magnitude=20 allows
         # ~4e-5. The mistakes are off by 1e-4 and more (see the property).
         magnitude=20),
    Case(T("float64", zh="float64"), "numerics", dict(N=4, D=7),
         _step(20, ("N", "D"), lr=1e-2), dtype=torch.float64),
    # grad * grad overflows float16 above 256: it must be squared in float32.
    Case(T("float16, gradients up to ~1e3: grad**2 overflows float16",
           zh="float16，梯度大到约 1e3：grad**2 在 float16 下上溢"), "stability",
         dict(N=5, D=6), _step(1, ("N", "D"), grad_scale=300.0, lr=0.1), dtype=torch.float16),
    Case(T("float16, step 10", zh="float16，第 10 步"), "stability",
         dict(N=6, D=5), _step(10, ("N", "D"), lr=0.1), dtype=torch.float16),
    Case(T("bfloat16, step 10", zh="bfloat16，第 10 步"), "stability",
         dict(N=4, D=6), _step(10, ("N", "D"), lr=0.3), dtype=torch.bfloat16),
)


# --- known mistakes ---------------------------------------------------------------------------

def l2_in_gradient(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999),
                   eps=1e-8, weight_decay=1e-2):
    # the bug: Adam with L2, not AdamW: the decay goes into the gradient, through m and v
    g = grad.float() + weight_decay * param.float()
    p, m, v = reference(param.float(), g, exp_avg.float(), exp_avg_sq.float(), step, lr, betas,
                        eps, 0.0)
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)


def no_bias_correction(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999),
                       eps=1e-8, weight_decay=1e-2):
    beta1, beta2 = betas
    p, g = param.float() * (1 - lr * weight_decay), grad.float()
    m = beta1 * exp_avg.float() + (1 - beta1) * g
    v = beta2 * exp_avg_sq.float() + (1 - beta2) * g * g
    p = p - lr * m / (v.sqrt() + eps)  # the bug: m and v are not divided by 1 - beta**step
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)


def eps_inside_sqrt(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999),
                    eps=1e-8, weight_decay=1e-2):
    beta1, beta2 = betas
    p, g = param.float() * (1 - lr * weight_decay), grad.float()
    m = beta1 * exp_avg.float() + (1 - beta1) * g
    v = beta2 * exp_avg_sq.float() + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**step), v / (1 - beta2**step)
    p = p - lr * m_hat / (v_hat + eps).sqrt()  # the bug: eps inside the square root
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)


def eps_on_uncorrected_sqrt(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
                            betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    beta1, beta2 = betas
    p, g = param.float() * (1 - lr * weight_decay), grad.float()
    m = beta1 * exp_avg.float() + (1 - beta1) * g
    v = beta2 * exp_avg_sq.float() + (1 - beta2) * g * g
    # the bug: the Adam paper's "efficient" form, with the bias corrections folded into the step
    # size, adds eps to the UNcorrected sqrt(v) (as TensorFlow/Keras do)
    step_size = lr * math.sqrt(1 - beta2**step) / (1 - beta1**step)
    p = p - step_size * m / (v.sqrt() + eps)
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)


def decay_after_update(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999),
                       eps=1e-8, weight_decay=1e-2):
    p, m, v = reference(param.float(), grad.float(), exp_avg.float(), exp_avg_sq.float(), step,
                        lr, betas, eps, 0.0)
    p = p * (1 - lr * weight_decay)  # the bug: decays the already-updated param
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)


def bias_correction_step_minus_one(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
                                   betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    beta1, beta2 = betas
    p, g = param.float() * (1 - lr * weight_decay), grad.float()
    m = beta1 * exp_avg.float() + (1 - beta1) * g
    v = beta2 * exp_avg_sq.float() + (1 - beta2) * g * g
    t = step - 1  # the bug: the count before this step (0 at step 1: division by zero)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    p = p - lr * m_hat / (v_hat.sqrt() + eps)
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)


def decay_without_lr(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999),
                     eps=1e-8, weight_decay=1e-2):
    # the bug: param * (1 - weight_decay); torch scales the decay by lr
    p, m, v = reference(param.float() * (1 - weight_decay), grad.float(), exp_avg.float(),
                        exp_avg_sq.float(), step, lr, betas, eps, 0.0)
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)


def beta_weighs_new_gradient(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3,
                             betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    beta1, beta2 = betas
    p, g = param.float() * (1 - lr * weight_decay), grad.float()
    m = (1 - beta1) * exp_avg.float() + beta1 * g  # the bug: beta weighs the new gradient
    v = (1 - beta2) * exp_avg_sq.float() + beta2 * g * g
    m_hat, v_hat = m / (1 - beta1**step), v / (1 - beta2**step)
    p = p - lr * m_hat / (v_hat.sqrt() + eps)
    return p.to(param.dtype), m.to(param.dtype), v.to(param.dtype)


DRILL = Drill(
    id="adamw",
    title=T("One AdamW step (functional)", zh="AdamW 单步更新（函数式）"),
    difficulty="medium",
    tags=("optimizer", "training"),
    minutes=15,
    entry="adamw_step",
    reference=adamw_step,
    cases=CASES,
    outputs=("new_param", "new_exp_avg", "new_exp_avg_sq",
             T("param after each step", zh="每一步之后的 param")),
    # An optimizer step is not differentiated (torch.optim runs it under no_grad).
    differentiable=False,
    # "adam" catches torch.optim.AdamW / Adam and the functional torch.optim.adamw.adamw (the
    # sandbox's tripwires) and the fused kernels (_fused_adamw_); "_foreach" the multi-tensor ones.
    forbidden=("adam", "_foreach"),
    aliases=("adamw_step", "adam-w"),
    hints=(
        T("Two running averages (of the gradient and of its square), both corrected for "
          "starting at zero, give a per-entry step lr * m_hat / (sqrt(v_hat) + eps); the "
          "weight decay shrinks the param on its own, outside the averages.",
          zh="两个滑动平均（梯度的、梯度平方的），都修正掉从零开始带来的偏差，给出逐元素的"
             "步长 lr * m_hat / (sqrt(v_hat) + eps)；权重衰减单独作用在 param 上，不进"
             "滑动平均。"),
        T("Order: param = param * (1 - lr * weight_decay) first; then m = beta1 * m + "
          "(1 - beta1) * grad and v = beta2 * v + (1 - beta2) * grad * grad, from the raw "
          "grad (no decay term in it).",
          zh="顺序：先 param = param * (1 - lr * weight_decay)；再用原始的 grad（不加衰减项）"
             "更新 m = beta1 * m + (1 - beta1) * grad 和 v = beta2 * v + (1 - beta2) * "
             "grad * grad。"),
        T("Bias corrections use this step's number: m_hat = m / (1 - beta1**step), v_hat = "
          "v / (1 - beta2**step); eps is added AFTER the square root: sqrt(v_hat) + eps. "
          "Return the new m and v, not m_hat and v_hat.",
          zh="偏差修正用本步的编号：m_hat = m / (1 - beta1**step)，v_hat = "
             "v / (1 - beta2**step)；eps 加在开方之后：sqrt(v_hat) + eps。返回新的 m 和 v，"
             "而不是 m_hat 和 v_hat。"),
        T("Work on new tensors (p = p - ..., never p -= ... on an input). float16/bfloat16: "
          ".float() everything first (grad * grad overflows float16), .to(param.dtype) at "
          "the end.",
          zh="在新张量上计算（写 p = p - ...，不要对输入做 p -= ...）。float16/bfloat16："
             "先全部 .float()（grad * grad 在 float16 下会上溢），最后 .to(param.dtype)。"),
    ),
    mistakes=(
        Mistake("l2-in-gradient",
                T("weight decay is added to the gradient (Adam with L2), so it goes through m "
                  "and v: AdamW decays the param directly, param * (1 - lr * weight_decay), "
                  "and feeds the raw grad to m and v",
                  zh="权重衰减加进了梯度（带 L2 的 Adam），于是经过了 m 和 v：AdamW 直接衰减 "
                     "param，param * (1 - lr * weight_decay)，m 和 v 用原始的 grad"),
                l2_in_gradient),
        Mistake("no-bias-correction",
                T("m and v are used without bias correction, so early steps are off: divide "
                  "by 1 - beta1**step and 1 - beta2**step",
                  zh="m 和 v 没有做偏差修正，前几步的步长就不对：要分别除以 1 - beta1**step 和 "
                     "1 - beta2**step"), no_bias_correction),
        Mistake("eps-inside-sqrt",
                T("eps is inside the square root, sqrt(v_hat + eps): add it after, "
                  "sqrt(v_hat) + eps (it matters once gradients are small)",
                  zh="eps 放在了开方里面，sqrt(v_hat + eps)：要在开方之后加，sqrt(v_hat) + eps"
                     "（梯度很小时差别就出来了）"), eps_inside_sqrt),
        Mistake("eps-on-uncorrected-sqrt",
                T("eps is added to the uncorrected sqrt(v) (the paper's folded step size "
                  "lr * sqrt(1 - beta2**step) / (1 - beta1**step), as in Keras): torch adds it "
                  "to the corrected one, sqrt(v_hat) + eps",
                  zh="eps 加在了未修正的 sqrt(v) 上（论文里把偏差修正并进步长 "
                     "lr * sqrt(1 - beta2**step) / (1 - beta1**step) 的写法，Keras 也这样）："
                     "torch 是加在修正后的 sqrt(v_hat) 上，sqrt(v_hat) + eps"),
                eps_on_uncorrected_sqrt),
        Mistake("decay-after-update",
                T("the decay is applied to the updated param: decay the param first, then "
                  "subtract the Adam step (torch.optim.AdamW's order)",
                  zh="衰减作用在了更新之后的 param 上：要先衰减 param，再减去 Adam 的步长"
                     "（torch.optim.AdamW 的顺序）"), decay_after_update),
        Mistake("bias-correction-step-minus-one",
                T("the bias corrections use step - 1 (0 at the first step: a division by "
                  "zero): step is already this step's 1-based number, use 1 - beta**step",
                  zh="偏差修正用了 step - 1（第一步时为 0：除以零）：step 已经是本步从 1 开始"
                     "的编号，用 1 - beta**step"), bias_correction_step_minus_one),
        Mistake("decay-without-lr",
                T("the param is decayed by weight_decay alone: torch scales it by lr, "
                  "param * (1 - lr * weight_decay)",
                  zh="param 只按 weight_decay 衰减：torch 会乘上 lr，"
                     "param * (1 - lr * weight_decay)"), decay_without_lr),
        Mistake("beta-weighs-new-gradient",
                T("beta weighs the new gradient in the moving averages: beta weighs the OLD "
                  "value, m = beta1 * m + (1 - beta1) * grad",
                  zh="滑动平均里 beta 成了新梯度的权重：beta 是旧值的权重，"
                     "m = beta1 * m + (1 - beta1) * grad"), beta_weighs_new_gradient),
    ),
)
