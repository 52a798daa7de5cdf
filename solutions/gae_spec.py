"""The GAE drill: cases, properties, hints and known mistakes."""

import torch

from handwrite.grader.compare import tolerance
from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.gae import gae

reference = gae  # the name a mistake uses to call the reference (see grader/selftest.py)


# --- properties: why an attempt is wrong, in words --------------------------------------------

def _parts(call):
    """rewards, values, dones (float64), gamma, lam of a case's call."""
    rewards, values, dones = call.args[:3]
    gamma = call.kwargs.get("gamma", call.args[3] if len(call.args) > 3 else 0.99)
    lam = call.kwargs.get("lam", call.args[4] if len(call.args) > 4 else 0.95)
    return rewards.double(), values.double(), dones.double(), gamma, lam


def _close(got, want, dtype):
    """Within a few roundings of the output dtype, relative to the largest advantage."""
    eps = tolerance(dtype).rtol
    scale = float(want.abs().max()) if want.numel() else 0.0
    return (got - want).abs() <= 4 * eps * (want.abs() + scale) + 1e-12


def _where(index):
    return "[" + ", ".join(map(str, index)) + "]"


def _equals_direct_sum(call, out, seen):
    """A_t = sum_l (gamma lam)^l delta_{t+l} up to the end of t's episode, summed term by term
    in float64: no recursion, so it cannot share the attempt's bug."""
    r, v, d, gamma, lam = _parts(call)
    alive = 1 - d  # (T, ...)
    delta = r + gamma * v[1:] * alive - v[:-1]  # (T, ...)
    n = r.shape[0]
    want = torch.zeros_like(delta)  # (T, ...)
    for t in range(n):
        weight = torch.ones_like(delta[0])  # (...) (gamma lam)^l, 0 once the episode ended
        for s in range(t, n):
            want[t] += weight * delta[s]
            weight = weight * gamma * lam * alive[s]
    got = out[0].double()
    ok = _close(got, want, call.args[0].dtype)
    if bool(ok.all()):
        return None
    index = tuple(int(i) for i in (~ok).nonzero()[0])
    t, env = index[0], index[1:]
    ends = [s for s in range(t, n) if bool(d[(s, *env)])]
    where = (both(" The episode of step {t} ends at step {s} (dones{d} = 1): the sum stops "
                  "there, with no bootstrap value values{v}.",
                  "第 {t} 步所在的 episode 在第 {s} 步结束（dones{d} = 1）：求和到那里为止，"
                  "也不用 values{v} 自举。", t=t, s=ends[0], d=_where((ends[0], *env)),
                  v=_where((ends[0] + 1, *env))) if ends else
             both(" No episode ends between step {t} and the last step: the sum runs to the "
                  "end, bootstrapped by V[T].",
                  "从第 {t} 步到最后一步之间没有 episode 结束：一直求和到最后，用 V[T] 自举。",
                  t=t))
    return both("advantages{i} = {got:.6g}, but the direct sum sum_l (gamma*lam)^l * "
                "delta_(t+l) gives {want:.6g}.{where}",
                "advantages{i} = {got:.6g}，但直接求和 sum_l (gamma*lam)^l * delta_(t+l) "
                "得到的是 {want:.6g}。{where_zh}", i=_where(index), got=float(got[index]),
                want=float(want[index]), where=str(where), where_zh=where.zh)


def _returns_are_a_plus_v(call, out, seen):
    """returns = advantages + values[:T], on the attempt's own advantages."""
    _, v, _, _, _ = _parts(call)
    adv, ret = out[0].double(), out[1].double()
    want = adv + v[:-1]  # (T, ...)
    ok = _close(ret, want, call.args[0].dtype)
    if bool(ok.all()):
        return None
    index = tuple(int(i) for i in (~ok).nonzero()[0])
    alone = bool(_close(ret, adv, call.args[0].dtype).all())  # returns = A, V never added
    hint = T(" They equal the advantages: add values[:T] back.",
             zh="它们等于 advantages：要把 values[:T] 加回去。")
    return both("returns{i} = {got:.6g}, but advantages + values[:T] = {want:.6g}: the "
                "returns are the value targets, A_t + V_t.{hint}",
                "returns{i} = {got:.6g}，但 advantages + values[:T] = {want:.6g}：returns "
                "是价值函数的回归目标，等于 A_t + V_t。{hint_zh}", i=_where(index),
                got=float(ret[index]), want=float(want[index]),
                hint=str(hint) if alone else "", hint_zh=hint.zh if alone else "")


CHECKS = (
    Property(T("advantages equal the direct sum within each episode",
               zh="advantages 等于每个 episode 内的直接求和"), "numerics", _equals_direct_sum),
    Property(T("returns = advantages + values[:T]", zh="returns = advantages + values[:T]"),
             "numerics", _returns_are_a_plus_v),
)


# --- cases ------------------------------------------------------------------------------------

def _dones(r, d, shape, where):
    """Where episodes end: "none", "random" (a quarter of the steps, one mid-rollout done in
    every env), "middle", "last", "first" or "all"."""
    n = shape[0]
    dones = torch.zeros(shape, dtype=torch.bool)  # (T, ...)
    if where == "random":
        dones = torch.rand(shape, generator=r.gen) < 0.25
        dones[n // 2] = True
    elif where == "middle":
        dones[n // 2 - 1] = True
        dones[n // 2 + 1] = True
    elif where == "last":
        dones[-1] = True
    elif where == "first":
        dones[0] = True
    elif where == "all":
        dones[:] = True
    return dones


def _rollout(*env, where="random", scale=1.0, offset=0.0, noncontiguous=False,
             float_dones=False, **kw):
    """rewards (T, *env), values (T + 1, *env), dones (T, *env); kw: gamma, lam."""
    def build(r, d):
        sizes = [getattr(d, n) for n in env]
        make = r.noncontiguous if noncontiguous and sizes else r.normal
        rewards = make(d.T, *sizes, scale=scale)  # (T, ...)
        values = make(d.T + 1, *sizes, scale=scale, offset=offset)  # (T + 1, ...)
        dones = _dones(r, d, (d.T, *sizes), where)  # (T, ...)
        if noncontiguous and sizes:
            dones = dones.transpose(-1, -2).contiguous().transpose(-1, -2)
        if float_dones:
            dones = dones.to(r.dtype)
        return Call((rewards, values, dones), dict(kw))
    return build


def _case(name, category, dims, build, **kw):
    return Case(name, category, dims, build, properties=CHECKS, **kw)


CASES = (
    _case(T("every dim a distinct size (T, N)", zh="每个维度大小都不同 (T, N)"), "shape",
          dict(T=7, N=3), _rollout("N")),
    _case(T("one environment: rewards (T,)", zh="只有一个环境：rewards (T,)"), "shape",
          dict(T=9), _rollout()),
    _case(T("a single environment as N=1", zh="N=1：只有一个环境"), "shape", dict(T=6, N=1),
          _rollout("N")),
    _case(T("two env dims (T, E, N)", zh="两个环境维度 (T, E, N)"), "shape",
          dict(T=5, E=2, N=3), _rollout("E", "N")),
    _case(T("non-contiguous inputs", zh="非连续（non-contiguous）输入"), "shape",
          dict(T=8, N=5), _rollout("N", noncontiguous=True)),
    _case(T("a single step, T=1", zh="只有一步，T=1"), "shape", dict(T=1, N=4),
          _rollout("N", where="none")),
    _case(T("no episode ends: bootstrapped by V[T]", zh="没有 episode 结束：用 V[T] 自举"),
          "numerics", dict(T=10, N=4), _rollout("N", where="none", offset=1.0)),
    _case(T("dones in the middle", zh="rollout 中间有 done"), "numerics", dict(T=9, N=3),
          _rollout("N", where="middle", offset=1.0)),
    _case(T("random dones", zh="随机的 done"), "numerics", dict(T=12, N=5),
          _rollout("N", offset=0.5)),
    _case(T("done at the last step: V[T] is not used", zh="最后一步 done：不用 V[T]"),
          "numerics", dict(T=6, N=4), _rollout("N", where="last", offset=2.0)),
    _case(T("done at the very first step", zh="第一步就 done"), "numerics", dict(T=7, N=2),
          _rollout("N", where="first", offset=1.0)),
    _case(T("every step done: A_t = r_t - V_t", zh="每一步都 done：A_t = r_t - V_t"),
          "numerics", dict(T=5, N=3), _rollout("N", where="all", offset=1.0)),
    _case(T("dones as float 0.0/1.0", zh="dones 是浮点数 0.0/1.0"), "numerics",
          dict(T=8, N=3), _rollout("N", float_dones=True, offset=0.5)),
    _case(T("gamma=0.9, lam=0.7", zh="gamma=0.9，lam=0.7"), "numerics", dict(T=8, N=5),
          _rollout("N", offset=1.0, gamma=0.9, lam=0.7)),
    _case(T("lam=1: Monte Carlo returns minus V", zh="lam=1：蒙特卡洛回报减去 V"), "numerics",
          dict(T=9, N=2), _rollout("N", offset=1.0, gamma=0.97, lam=1.0)),
    _case(T("float64", zh="float64"), "numerics", dict(T=11, N=3),
          _rollout("N", offset=0.5), dtype=torch.float64),
    _case(T("float16", zh="float16"), "stability", dict(T=16, N=6),
          _rollout("N", offset=1.0), dtype=torch.float16),
    _case(T("bfloat16", zh="bfloat16"), "stability", dict(T=16, N=6),
          _rollout("N", offset=1.0), dtype=torch.bfloat16),
    _case(T("rewards and values of magnitude 1e3", zh="量级为 1e3 的 rewards 和 values"),
          "stability", dict(T=10, N=4), _rollout("N", scale=1e3, offset=500.0),
          magnitude=1e3),
)


# --- known mistakes ---------------------------------------------------------------------------

def bootstrap_across_done(rewards, values, dones, gamma=0.99, lam=0.95):
    alive = 1.0 - dones.double()
    r, v = rewards.double(), values.double()
    delta = r + gamma * v[1:] - v[:-1]  # the bug: V_{t+1} bootstrapped even where d_t = 1
    running, steps = torch.zeros_like(delta[0]), []
    for t in reversed(range(r.shape[0])):
        running = delta[t] + gamma * lam * alive[t] * running
        steps.append(running)
    adv = torch.stack(steps[::-1])
    return adv.to(rewards.dtype), (adv + v[:-1]).to(rewards.dtype)


def ignores_dones(rewards, values, dones, gamma=0.99, lam=0.95):
    # the bug: dones never used: one long episode, bootstrapped and carried across every end
    return reference(rewards, values, torch.zeros_like(dones), gamma, lam)


def lambda_gamma_swapped(rewards, values, dones, gamma=0.99, lam=0.95):
    return reference(rewards, values, dones, gamma=lam, lam=gamma)  # the bug: swapped


def advantage_carried_across_done(rewards, values, dones, gamma=0.99, lam=0.95):
    alive = 1.0 - dones.double()
    r, v = rewards.double(), values.double()
    delta = r + gamma * v[1:] * alive - v[:-1]
    running, steps = torch.zeros_like(delta[0]), []
    for t in reversed(range(r.shape[0])):
        running = delta[t] + gamma * lam * running  # the bug: no (1 - d_t): crosses episodes
        steps.append(running)
    adv = torch.stack(steps[::-1])
    return adv.to(rewards.dtype), (adv + v[:-1]).to(rewards.dtype)


def returns_without_values(rewards, values, dones, gamma=0.99, lam=0.95):
    adv, _ = reference(rewards, values, dones, gamma, lam)
    return adv, adv.clone()  # the bug: returns = A, V[:T] never added back


def iterates_forwards(rewards, values, dones, gamma=0.99, lam=0.95):
    alive = 1.0 - dones.double()
    r, v = rewards.double(), values.double()
    delta = r + gamma * v[1:] * alive - v[:-1]
    running, steps = torch.zeros_like(delta[0]), []
    for t in range(r.shape[0]):  # the bug: forwards, so A_t sums the PAST deltas
        running = delta[t] + gamma * lam * alive[t] * running
        steps.append(running)
    adv = torch.stack(steps)
    return adv.to(rewards.dtype), (adv + v[:-1]).to(rewards.dtype)


def done_shifted_by_one(rewards, values, dones, gamma=0.99, lam=0.95):
    # the bug: CleanRL's convention (dones[t] = s_t starts a new episode) on this contract's
    # dones: step t is cut by dones[t + 1], the last step never is
    d = dones.double()
    shifted = torch.cat([d[1:], torch.zeros_like(d[:1])])
    return reference(rewards, values, shifted.to(dones.dtype), gamma, lam)


DRILL = Drill(
    id="gae",
    title=T("Generalised advantage estimation (GAE) with episode ends",
            zh="带 episode 结束标记的广义优势估计（GAE）"),
    difficulty="medium",
    tags=("rl", "ppo", "training"),
    minutes=12,
    entry="gae",
    reference=gae,
    cases=CASES,
    outputs=("advantages", "returns"),
    # GAE runs on a finished rollout under torch.no_grad(): the advantages and returns are
    # targets, and detaching the values first (as PPO code does) must not be marked wrong.
    differentiable=False,
    aliases=("gae-lambda", "generalized-advantage-estimation", "generalised-advantage-estimation"),
    hints=(
        T("Each step's advantage is a discounted sum of one-step TD errors delta_t over the "
          "rest of its episode. It is easiest to compute from the last step back to the first.",
          zh="每一步的优势是它所在 episode 剩余部分的一步 TD 误差 delta_t 的折扣和。"
             "从最后一步往前算最容易。"),
        T("delta_t = r_t + gamma * V[t+1] * (1 - d_t) - V[t]: at a done, V[t+1] is the next "
          "episode's first state, so it is not bootstrapped. gamma discounts the value; lam "
          "only enters the recursion.",
          zh="delta_t = r_t + gamma * V[t+1] * (1 - d_t) - V[t]：done 时 V[t+1] 是下一个 "
             "episode 的第一个状态，不能用来自举。gamma 是价值的折扣；lam 只出现在递推里。"),
        T("Loop t from T-1 down to 0: A = delta[t] + gamma * lam * (1 - d[t]) * A, starting "
          "from A = 0; collect the A's and torch.stack them in time order. returns = "
          "advantages + values[:-1].",
          zh="t 从 T-1 倒着循环到 0：A = delta[t] + gamma * lam * (1 - d[t]) * A，初始 "
             "A = 0；把每步的 A 收集起来，按时间顺序 torch.stack。returns = advantages + "
             "values[:-1]。"),
        T("dones may be bool: 1 - dones fails on a bool tensor, so use dones.to(rewards.dtype) "
          "(or torch.where). For float16/bfloat16, accumulate in float32 and cast both outputs "
          "back.",
          zh="dones 可能是 bool：对 bool 张量做 1 - dones 会报错，用 dones.to(rewards.dtype)"
             "（或 torch.where）。float16/bfloat16 时在 float32 下累加，最后把两个输出都转回"
             "原 dtype。"),
    ),
    mistakes=(
        Mistake("bootstrap-across-done",
                T("V[t+1] is bootstrapped even where dones[t] = 1: after a done it is the next "
                  "episode's value, so delta_t = r_t + gamma * V[t+1] * (1 - d_t) - V[t]",
                  zh="dones[t] = 1 时仍用 V[t+1] 自举：done 之后它是下一个 episode 的价值，"
                     "所以 delta_t = r_t + gamma * V[t+1] * (1 - d_t) - V[t]"),
                bootstrap_across_done),
        Mistake("ignores-dones",
                T("dones are never used, so the rollout is one long episode: multiply both "
                  "V[t+1] in delta_t and A_{t+1} in the recursion by (1 - d_t)",
                  zh="完全没用 dones，整个 rollout 被当成了一个 episode：delta_t 里的 V[t+1] 和"
                     "递推里的 A_{t+1} 都要乘以 (1 - d_t)"), ignores_dones),
        Mistake("lambda-gamma-swapped",
                T("gamma and lam are swapped: gamma discounts V[t+1] in delta_t, and the "
                  "recursion decays by gamma * lam",
                  zh="gamma 和 lam 用反了：delta_t 里折扣 V[t+1] 的是 gamma，递推的衰减系数是 "
                     "gamma * lam"), lambda_gamma_swapped),
        Mistake("advantage-carried-across-done",
                T("the advantage flows back across episode ends: A_t = delta_t + gamma * lam * "
                  "(1 - d_t) * A_{t+1}, the (1 - d_t) cuts it",
                  zh="优势跨过了 episode 的边界往回传：A_t = delta_t + gamma * lam * (1 - d_t) "
                     "* A_{t+1}，(1 - d_t) 负责截断"), advantage_carried_across_done),
        Mistake("returns-without-values",
                T("returns are the advantages alone: returns = advantages + values[:T]",
                  zh="returns 只是 advantages：returns = advantages + values[:T]"),
                returns_without_values),
        Mistake("iterates-forwards",
                T("the recursion runs forwards, so A_t sums the past: loop t from T-1 down to "
                  "0, A_t needs A_{t+1}",
                  zh="递推是正着算的，于是 A_t 累加了过去的 delta：t 要从 T-1 倒着循环到 0，"
                     "A_t 依赖 A_{t+1}"), iterates_forwards),
        Mistake("done-shifted-by-one",
                T("step t is cut by dones[t+1] (CleanRL's next_done convention): here dones[t] "
                  "= 1 means the episode ended at step t, so step t uses 1 - dones[t]",
                  zh="第 t 步用 dones[t+1] 截断（CleanRL 的 next_done 约定）：这里 dones[t] = 1 "
                     "表示 episode 在第 t 步结束，所以第 t 步用 1 - dones[t]"),
                done_shifted_by_one),
    ),
)
