"""Grading: plan the calls, run them in sandboxes, turn what comes back into a Scorecard."""

from __future__ import annotations

import inspect
import signal
import textwrap
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import torch

from . import registry
from .child import _tensors, describe_signature
from .compare import is_close, mismatch, named_shape, tolerance
from .results import AttemptError, CheckResult, NamedMistake, Scorecard
from .sandbox import DEFAULT_TIMEOUT_S, INTERNAL_ERROR, Outcome, Sandbox
from .i18n import language, say, tr
from .spec import DEVICE, Call, Case, Drill
from .torchfast import backward, warm_meta_device

GRAD_SLACK = 10  # gradients go through one more pass of rounding than outputs


@dataclass
class Planned:
    """A case made concrete: its inputs, and what the reference says, in float64."""

    case: Case
    call: Call
    leak: Call | None
    state: dict | None  # module drills: the reference's weights, in the case's dtype
    expected: tuple[torch.Tensor, ...]  # every output (one, unless the reference returns a tuple)
    single: bool = True  # the reference returns one tensor, not a tuple
    upstream: tuple | None = None  # the gradient fed back into each output (None: not float)
    grads: dict = field(default_factory=dict)  # input label -> expected gradient
    param_grads: dict = field(default_factory=dict)


def grade(drill_id: str, path: str | Path, timeout_s: float = DEFAULT_TIMEOUT_S) -> Scorecard:
    """Grade one attempt file against one drill."""
    return grade_many([(drill_id, path)], timeout_s)[0]


def grade_many(attempts: list[tuple[str, str | Path]], timeout_s: float = DEFAULT_TIMEOUT_S,
               zygote=None) -> list[Scorecard]:
    """Grade several attempts; their children run side by side. With a ``zygote`` (see
    zygote.py) the children are forked from it, warm, instead of from this process."""
    start = time.perf_counter()
    many = len(attempts) > 1
    if zygote is not None:
        boxes = [(Sandbox(zygote=zygote), Sandbox(zygote=zygote)) for _ in attempts]
    else:
        if many:  # warm once here: every child forked after this inherits the warm meta device
            warm_meta_device()
        # Fork every child before importing any reference, so that no child holds one. The
        # device check runs in a sandbox of its own, which (alone) warms the meta device
        # while the rest run.
        boxes = [(Sandbox(), Sandbox.take(warm_meta=not many)) for _ in attempts]
    plans = []
    with _one_thread():
        for (box, device_box), (drill_id, path) in zip(boxes, attempts):
            drill = registry.load(drill_id)
            planned = [plan_case(drill, c) for c in drill.cases]
            box.send(str(Path(path).resolve()), _job(drill, planned), timeout_s)
            device_box.send(str(Path(path).resolve()), _device_job(drill, planned), timeout_s)
            plans.append((drill, planned))
        return [judge(drill, planned, box.collect(), device_box.collect(), str(path),
                      time.perf_counter() - start, timeout_s)
                for (box, device_box), (drill, planned), (_, path) in zip(boxes, plans, attempts)]


@contextmanager
def _one_thread():
    """Planning and naming mistakes run tiny ops, where handing work to torch's thread pool
    costs more than the work (a small MoE: 18 ms a forward on 2 threads, 0.75 ms on 1). The
    caller's setting (a notebook's) comes back afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


# --- planning: inputs and the float64 truth -------------------------------------------------

def _f64(value):
    """An argument as the float64 reference run takes it."""
    if isinstance(value, (tuple, list)):
        return type(value)(_f64(v) for v in value)
    if isinstance(value, str) and value == DEVICE:
        return "cpu"
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.detach().to(torch.float64)
    return value


def _call(case: Case, target, args, kwargs):
    """Call a reference, mistake or attempt the way the case says (see spec.Case.drive)."""
    return case.drive(target, *args, **kwargs) if case.drive else target(*args, **kwargs)


def _as_tuple(out) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _reference_state(drill: Drill, call: Call, case: Case) -> dict | None:
    """Module drills: freshly initialised reference weights, the same on every run."""
    if not drill.is_module:
        return None
    with torch.random.fork_rng(devices=[]):  # leave the caller's (a notebook's) RNG alone
        # The CPU generator alone (modules initialise on the CPU): torch.manual_seed also
        # queues a seed for every accelerator, with a stack trace each, 5 ms a call.
        seed = zlib.crc32(f"{drill.id}/{case.name}/weights".encode())
        torch.default_generator.manual_seed(seed)
        module = drill.reference(*call.init_args, **call.init_kwargs)
    return {k: v.detach().to(case.dtype) for k, v in module.state_dict().items()}


def _instance(impl, call: Call, state: dict | None, dtype: torch.dtype):
    """A callable for a reference or mistake: the function, or the module with ``state`` loaded."""
    if not isinstance(impl, type):
        return impl
    module = impl(*call.init_args, **call.init_kwargs)
    module.load_state_dict(state, strict=True)
    return module.to(dtype)


def plan_case(drill: Drill, case: Case) -> Planned:
    call, leak = case.make(drill.id)
    state = _reference_state(drill, call, case)
    args = [_f64(a) for a in call.args]
    kwargs = {k: _f64(v) for k, v in call.kwargs.items()}
    inputs = {k: t for i, a in enumerate(args) for k, t in _tensors(f"arg{i}", a).items()}
    inputs |= {k: t for name, v in kwargs.items() for k, t in _tensors(name, v).items()}
    leaves = {k: v.requires_grad_(case.grad) for k, v in inputs.items() if v.is_floating_point()}
    target = _instance(drill.reference, call, state, torch.float64)
    out = _call(case, target, args, kwargs)
    outs = _as_tuple(out)
    planned = Planned(case, call, leak, state, tuple(o.detach() for o in outs),
                      single=not isinstance(out, (tuple, list)))
    if case.grad:
        gen = torch.Generator().manual_seed(zlib.crc32(f"{drill.id}/{case.name}/grad".encode()))
        planned.upstream = tuple(
            torch.randn(o.shape, generator=gen, dtype=torch.float64).to(case.dtype)
            if o.requires_grad else None for o in outs)
        fed = [(o, u) for o, u in zip(outs, planned.upstream) if u is not None]
        if fed:
            backward(tuple(o for o, _ in fed), tuple(u.to(torch.float64) for _, u in fed))
        planned.grads = {k: v.grad for k, v in leaves.items()}
        if drill.is_module:
            planned.param_grads = {n: p.grad for n, p in target.named_parameters()}
    return planned


def _run_spec(planned: Planned, call: Call, device: str = "cpu", grad: bool = False) -> dict:
    return {"call": {"args": call.args, "kwargs": call.kwargs, "init_args": call.init_args,
                     "init_kwargs": call.init_kwargs},
            "state": planned.state, "dtype": planned.case.dtype, "device": device,
            "grad": grad, "upstream": planned.upstream, "drive": _drive_source(planned.case.drive)}


@cache
def _drive_source(drive) -> tuple[str, str] | None:
    """(name, source) of a case's drive: the sandbox gets it as source (see spec.Case.drive)."""
    return None if drive is None else (drive.__name__, textwrap.dedent(inspect.getsource(drive)))


def _job(drill: Drill, planned: list[Planned]) -> dict:
    runs = []
    for i, p in enumerate(planned):
        runs.append((f"case:{i}", _run_spec(p, p.call, grad=p.case.grad)))
        if p.leak is not None:
            runs.append((f"leak:{i}", _run_spec(p, p.leak)))
    return {"entry": drill.entry, "is_module": drill.is_module, "runs": runs, "lang": language(),
            "forbidden": drill.forbidden}


def _device_job(drill: Drill, planned: list[Planned]) -> dict:
    # The meta device has no data: a tensor made without device= lands on the CPU and clashes,
    # as it would with inputs on a GPU.
    run = _run_spec(planned[0], planned[0].call, device="meta")
    return {"entry": drill.entry, "is_module": drill.is_module, "runs": [("meta", run)],
            "lang": language(), "forbidden": drill.forbidden}


# --- judging ---------------------------------------------------------------------------------

def _label(drill: Drill, key: str) -> str:
    """``arg0`` -> the reference's name for that parameter, e.g. ``x``."""
    if not key.startswith("arg"):
        return key
    head, bracket, rest = key.partition("[")  # arg1[0]: the first tensor in a tuple argument
    sig = describe_signature(drill.reference)
    names = [n for n, _ in (sig["forward"] if drill.is_module else sig["call"])]
    i = int(head[3:])
    return (names[i] if i < len(names) else head) + bracket + rest


def _describe_error(err: dict) -> str:
    """``TypeError: <torch's words> at line 12: <the attempt's line>``."""
    note = tr(" (input() read end of file: stdin is closed while grading)",
              "（input() 读到了文件末尾：评测时 stdin 是关闭的）") if err.get("stdin") else ""
    where = tr(" at line {n}: {code}", "，位于第 {n} 行：{code}", n=err["line"],
               code=err["code"]) if err.get("line") else ""
    return f"{err['type']}: {err['message']}{note}{where}"


def _fatal(outcome: Outcome, running: str, timeout_s: float) -> AttemptError | None:
    if outcome.ended == "timeout":
        return AttemptError("timeout", tr(
            "stopped after {s:g} s while running {running}: an infinite loop, or input() "
            "waiting forever?", "运行{running}时超过 {s:g} 秒被终止：是否有死循环，或 input() "
            "在一直等待输入？", s=timeout_s, running=running))
    if outcome.ended == "signal":
        name = signal.Signals(outcome.code).name
        return AttemptError("crash", tr("the process died of {name} while running {running}",
                                        "运行{running}时进程因 {name} 崩溃",
                                        name=name, running=running))
    if outcome.ended == "exit" and outcome.code == INTERNAL_ERROR:
        last = (outcome.output.strip().splitlines() or [""])[-1]
        return AttemptError("crash", tr(
            "the grader failed while running {running}: a bug in handwrite, not in your code "
            "(please report it) - {last}", "运行{running}时评测器自身出错：这是 handwrite 的 bug，"
            "不是你的代码的问题（请报告）- {last}", running=running, last=last))
    if outcome.ended == "exit":
        return AttemptError("exit", tr(
            "the process exited with code {code} while running {running}: os._exit()/exit() "
            "ends grading - return instead", "运行{running}时进程以退出码 {code} 退出："
            "os._exit()/exit() 会中止评测，请用 return 返回结果", code=outcome.code,
            running=running))
    return None


def _signature_check(drill: Drill, got: dict) -> CheckResult:
    want = describe_signature(drill.reference)
    parts = ("init", "forward") if drill.is_module else ("call",)
    name = tr("defines {entry} with the contract's signature", "定义了 {entry}，签名符合约定",
              entry=drill.entry)
    if got["kind"] != want["kind"]:
        return CheckResult("load", name, False, tr(
            "{entry} is a {got}, expected a {want}", "{entry} 是 {got}，应为 {want}",
            entry=drill.entry, got=got["kind"], want=want["kind"]))
    for part in parts:
        theirs = dict(got[part])
        for pname, default in want[part]:
            if pname not in theirs or (default is not None and theirs[pname] != default):
                fmt = lambda ps: ", ".join(n + ("" if d is None else f"={d}") for n, d in ps)
                where = f"{part}(...)" if drill.is_module else drill.entry
                return CheckResult("load", name, False, tr(
                    "{where}: expected ({want}), got ({got})", "{where}：应为 ({want})，实际为 ({got})",
                    where=where, want=fmt(want[part]), got=fmt(got[part])))
    return CheckResult("load", name, True)


class _Judge:
    """Turns one child's outcome into checks, naming known mistakes where they match."""

    def __init__(self, drill: Drill, planned: list[Planned], results: dict):
        self.drill, self.planned, self.results = drill, planned, results
        self.mistakes_seen: dict[str, None] = {}
        self.ruled_out: set[str] = set()  # mistakes some failing case shows it is not
        self._outcomes: dict[int, dict] = {}  # id(planned case) -> {mistake id: its outcome}

    def output_names(self, p: Planned) -> list[str]:
        names = [say(n) for n in self.drill.outputs] + [tr("output {i}", "输出 {i}", i=i)
                                            for i in range(len(p.expected))]
        return names[:len(p.expected)]

    def output_problem(self, p: Planned, out: dict, device: str = "cpu") -> str | None:
        """Why the output is not even comparable (type, count, shape, dtype), or None."""
        if p.single:
            return self.item_problem(p, 0, out, device)
        names = ", ".join(self.output_names(p))
        if "items" not in out or len(out["items"]) != len(p.expected):
            got = (tr("{n} items", "{n} 个元素", n=len(out["items"])) if "items" in out
                   else out["type"])
            return tr("returned {got}, expected a tuple of {n}: ({names})",
                      "返回了 {got}，应为含 {n} 个元素的 tuple：({names})",
                      got=got, n=len(p.expected), names=names)
        for i, item in enumerate(out["items"]):
            problem = self.item_problem(p, i, item, device)
            if problem:
                return f"{self.output_names(p)[i]}: {problem}"
        return None

    def item_problem(self, p: Planned, i: int, out: dict, device: str) -> str | None:
        want = p.expected[i]
        if out["type"] != "torch.Tensor":
            return tr("returned {got}, expected a torch.Tensor", "返回了 {got}，应为 torch.Tensor",
                      got=out["type"])
        want_dtype = p.case.dtype if want.is_floating_point() else want.dtype
        dims = p.case.dims
        if tuple(out["shape"]) != tuple(want.shape):
            return tr("expected shape {want}, got {got}", "形状应为 {want}，实际为 {got}",
                      want=named_shape(tuple(want.shape), dims),
                      got=named_shape(tuple(out["shape"]), dims))
        if out["dtype"] != str(want_dtype).removeprefix("torch."):
            from_input = want.is_floating_point() and any(
                t.is_floating_point() for t in _tensors("", p.call.args).values())
            source = tr("the input's", "与输入一致") if from_input else tr("the contract's", "约定所定")
            return tr("expected dtype {want} ({source}), got {got}",
                      "dtype 应为 {want}（{source}），实际为 {got}",
                      want=str(want_dtype).removeprefix("torch."), source=source, got=out["dtype"])
        if out["device"] != device and not out["device"].startswith(device):
            return tr("expected the output on {want}, got {got}: make new tensors on the input's "
                      "device (device=x.device)", "输出应在 {want} 上，实际在 {got} 上：新建张量要放在"
                      "输入所在的设备上（device=x.device）", want=device, got=out["device"])
        if device != "meta" and "tensor" not in out:
            return tr("the output is far too large to compare", "输出太大，无法比较")
        return None

    def compare(self, p: Planned, got: tuple, want: tuple, tol, header=None) -> str | None:
        """The mismatch report of every output that differs, each named when there are several."""
        reports = []
        for name, g, w in zip(self.output_names(p), got, want):
            report = mismatch(g, w, tol, header=header)
            if report:
                reports.append(report if p.single else tr("{name} differs:", "{name} 不一致：",
                                                          name=name) + "\n" + report)
        return "\n".join(reports) or None

    def case_check(self, i: int, p: Planned) -> list[CheckResult]:
        r = self.results.get(f"case:{i}")
        name, category = say(p.case.name), p.case.category
        if r is None:
            return [CheckResult(category, name, False, tr("not run: grading stopped before it",
                                                          "未运行：评测在此之前已停止"))]
        if "error" in r:
            err = r["error"]
            cat = "load" if err["stage"] in ("init", "state_dict") else category
            return [CheckResult(cat, name, False, _context(p) + _describe_error(err),
                                self.diagnose(p, r))]
        problem = self.output_problem(p, r["out"])
        if problem:
            return ([CheckResult("shape", name, False, problem, self.diagnose(p, r))]
                    + self.property_checks(p, None, None))
        got = _got(r["out"])
        tol = tolerance(p.case.dtype, p.case.magnitude)
        report = self.compare(p, got, p.expected, tol)
        if report:
            checks = [CheckResult(category, name, False, _context(p) + report, self.diagnose(p, r))]
        else:
            checks = [CheckResult(category, name, True)]
        if p.leak is not None:
            checks.append(self.leak_check(i, p, got, tol))
        if p.case.grad:
            checks += self.grad_checks(p, r)
        return checks + self.property_checks(p, got, r)

    def property_checks(self, p: Planned, got: tuple | None, r: dict | None) -> list[CheckResult]:
        """The case's properties, tested on the attempt's own output."""
        checks = []
        for prop in p.case.properties:
            if got is None:
                checks.append(CheckResult(prop.category, say(prop.name), False, tr(
                    "not checked: the output is not what the contract says",
                    "未检查：输出不符合约定")))
                continue
            seen = SimpleNamespace(largest=tuple(r.get("largest", ())))
            try:
                why = prop.test(p.call, got[0] if p.single else got, seen)
            except Exception as exc:  # noqa: BLE001 - an odd output must not crash the grader
                why = tr("could not be checked on this output ({error})",
                         "无法在这个输出上检查（{error}）", error=f"{type(exc).__name__}: {exc}")
            why = None if why is None else _context(p) + say(why)  # one property, many cases
            checks.append(CheckResult(prop.category, say(prop.name), why is None, why or "",
                                      self.diagnose(p, r) if why else (), explains=bool(why)))
        return checks

    def leak_check(self, i: int, p: Planned, got: torch.Tensor, tol) -> CheckResult:
        name = tr("{case}: masked-out inputs don't leak", "{case}：被掩码的输入不泄漏",
                  case=say(p.case.name))
        r = self.results.get(f"leak:{i}")
        if r is None or "error" in r or self.output_problem(p, r["out"]):
            why = (_describe_error(r["error"]) if r and "error" in r
                   else tr("no comparable output", "没有可比较的输出"))
            return CheckResult("masking", name, False, why)
        moved = _got(r["out"])
        if all(is_close(m, g, tol, equal_nan=True) for m, g in zip(moved, got)):
            return CheckResult("masking", name, True)
        return CheckResult("masking", name, False,
                           tr("changing only inputs that must not count (masked, outside the "
                              "window, in the future) moved the output, so they still get weight: "
                              "{advice}", "只改动不该起作用的输入（被掩码的、窗口外的、未来的），"
                              "输出却变了，说明它们仍有权重：{advice}",
                              advice=say(self.drill.leak_advice))
                           + "\n" + (self.compare(p, moved, got, tol, header=tr(
                               "index · inputs changed · as given", "下标 · 改动输入后 · 原输入"))
                                      or ""))

    def grad_checks(self, p: Planned, r: dict) -> list[CheckResult]:
        name = tr("gradients ({case})", "梯度（{case}）", case=say(p.case.name))
        tol = tolerance(p.case.dtype, p.case.magnitude).scaled(GRAD_SLACK)
        if "grad_error" in r:
            return [CheckResult("gradients", name, False, tr("backward failed: ", "反向传播失败：")
                                + _describe_error(r["grad_error"]))]
        if "grads" not in r:
            return [CheckResult("gradients", name, False, tr("no gradient: backward did not run",
                                                             "没有梯度：反向传播没有运行"))]
        problems = []
        for key, want in {**p.grads, **p.param_grads}.items():
            got = r["grads"].get(key, r.get("param_grads", {}).get(key))
            label = _label(self.drill, key)
            if want is None:  # no gradient reaches it in the reference: frozen, or not used
                if key in p.param_grads and got is not None and bool(got.abs().sum()):
                    problems.append(tr(
                        "{label} gets a gradient, and should get none: freeze it "
                        "(requires_grad_(False)), as the contract says",
                        "{label} 得到了梯度，但它不该有梯度：按约定把它冻结（requires_grad_(False)）",
                        label=label))
                continue
            if got is None and not bool(want.abs().sum()):
                continue  # the reference's gradient is all zeros: none at all is the same
            if got is None:
                if key in p.grads:
                    problems.append(tr(
                        "no gradient reached {label}: is the output built from it, without "
                        ".detach(), .data or torch.no_grad()?", "梯度没有传到 {label}：输出是否由它"
                        "算出，且没有经过 .detach()、.data 或 torch.no_grad()？", label=label))
                continue  # missing parameter gradients have a check of their own
            report = mismatch(got, want, tol)
            if report:
                problems.append(tr("gradient of {label} differs:", "{label} 的梯度不一致：",
                                   label=label) + "\n" + report)
        checks = [CheckResult("gradients", name, not problems, "\n".join(problems))]
        first_grad_case = next(q for q in self.planned if q.case.grad) is p
        if self.drill.is_module and first_grad_case:
            # Frozen parameters get no gradient in the reference either: only trainable ones count.
            unused = [n for n, g in r.get("param_grads", {}).items()
                      if g is None and p.param_grads.get(n) is not None]
            checks.append(CheckResult(
                "gradients", tr("every parameter receives a gradient", "每个参数都有梯度"),
                not unused, tr("no gradient reached {names}: forward never uses them, or uses "
                               "them under torch.no_grad() or .detach()",
                               "梯度没有传到 {names}：forward 没用到它们，或者在 torch.no_grad() / "
                               ".detach() 之下用的", names=", ".join(unused)) if unused else ""))
        return checks

    def device_check(self, stopped: AttemptError | None) -> CheckResult:
        name = tr("runs on any device (tested on meta)", "在任意设备上都能运行（用 meta 设备测试）")
        r, p = self.results.get("meta"), self.planned[0]
        if r is None:
            why = stopped.message if stopped else tr("not run: the attempt did not get that far",
                                                     "未运行：代码没能运行到这一步")
            return CheckResult("device", name, False, why)
        if "error" in r and r["error"]["stage"] in ("init", "state_dict"):
            # the module could not even be built or loaded: a load failure, as in case_check
            return CheckResult("load", name, False, _describe_error(r["error"]))
        if "error" in r and _needs_data(r["error"]):
            # meta tensors hold no data: what ran before this step was on the right device, and
            # the step itself is data-dependent, which is no device error.
            return CheckResult("device", name + tr(", up to a step that needs the data",
                                                   "，直到需要实际数据的一步"), True)
        if "error" in r:
            hint = ""
            if any(word in r["error"]["message"] for word in ("device", "meta", "cpu")):
                hint = "\n" + tr(
                    "make new tensors on the input's device: torch.ones(..., device=x.device)",
                    "新建张量要放在输入所在的设备上：torch.ones(..., device=x.device)")
            return CheckResult("device", name, False, _describe_error(r["error"]) + hint)
        # Only where the outputs are: a wrong shape or dtype is the shape check's to report.
        off = [i["device"] for i in r["out"].get("items", [r["out"]])
               if i["type"] == "torch.Tensor" and not i["device"].startswith("meta")]
        return CheckResult("device", name, not off, tr(
            "expected the output on meta, got {got}: make new tensors on the input's device "
            "(device=x.device)", "输出应在 meta 上，实际在 {got} 上：新建张量要放在输入所在的设备上"
            "（device=x.device）", got=off[0]) if off else "")

    def rules_checks(self, extra_calls: list[str], reads: list[str]) -> list[CheckResult]:
        runs = [r for r in self.results.values() if isinstance(r, dict)]
        calls = set(extra_calls).union(*(r.get("calls", ()) for r in runs))
        checks = []
        if self.drill.forbidden:
            used = sorted(n for n in calls if any(f in n.lower() for f in self.drill.forbidden))
            checks.append(CheckResult(
                "rules", tr("calls none of: {names}", "没有调用：{names}",
                            names=", ".join(self.drill.forbidden)), not used,
                tr("called {names}: the drill is to write it yourself",
                   "调用了 {names}：这道题要你自己实现", names=", ".join(used)) if used else ""))
        mutated = sorted({_label(self.drill, k) for r in runs for k in r.get("mutated", ())})
        checks.append(CheckResult(
            "rules", tr("leaves its inputs unchanged", "不修改输入"), not mutated,
            tr("modified {names} in place: work on a new tensor (x = x - m, not x -= m or "
               "x.sub_(m))", "原地修改了 {names}：请在新张量上计算（写 x = x - m，而不是 x -= m "
               "或 x.sub_(m)）", names=", ".join(mutated)) if mutated else ""))
        checks.append(CheckResult(
            "rules", tr("does not read the hidden solutions", "没有读取隐藏的参考答案"), not reads,
            tr("tried to open {path}", "试图打开 {path}", path=reads[0]) if reads else ""))
        return checks

    def diagnose(self, p: Planned, r: dict) -> tuple[str, ...]:
        """Known mistakes whose output on this case matches the attempt's."""
        outcomes = self.outcomes(p)
        found = [m for m, outcome in outcomes.items() if _matches(r, outcome, p)]
        if len(found) > 1 and "out" in r and not any(
                t.isfinite().any() for t in _got(r["out"])):
            found = []  # nothing but nan/inf, shared by several broken formulas: names nothing
        self.ruled_out.update(m for m, outcome in outcomes.items() if _rules_out(r, outcome, p))
        self.mistakes_seen.update(dict.fromkeys(found))
        return tuple(found)

    def outcomes(self, p: Planned) -> dict:
        """What each known mistake gives on this case: once, however many checks of it failed."""
        if id(p) not in self._outcomes:
            self._outcomes[id(p)] = {m.id: _mistake_outcome(self.drill, m.impl, p)
                                     for m in self.drill.mistakes}
        return self._outcomes[id(p)]

    def named(self, checks: list[CheckResult]) -> tuple[list[CheckResult], list[str]]:
        """A mistake that matched on one case (float16's tolerance is wide) but that another
        failing case rules out is not the likely cause: drop it everywhere."""
        keep = [m for m in self.mistakes_seen if m not in self.ruled_out]
        checks = [c if set(c.mistakes) <= set(keep) else
                  replace(c, mistakes=tuple(m for m in c.mistakes if m in keep)) for c in checks]
        return checks, keep


def _got(out: dict) -> tuple[torch.Tensor, ...]:
    """The attempt's output tensors, once output_problem found them comparable."""
    return tuple(i["tensor"] for i in out["items"]) if "items" in out else (out["tensor"],)


# What the meta device says when an op needs the values (.item(), boolean indexing, .tolist()).
_META_NEEDS_DATA = ("cannot be called on meta tensors", "data-independent implementation",
                    "copy out of meta tensor", "with Meta tensors, but there was no")


def _needs_data(err: dict) -> bool:
    return any(s in err["message"] for s in _META_NEEDS_DATA)


def _context(p: Planned) -> str:
    parts = [" ".join(f"{k}={v}" for k, v in p.case.dims.items()),
             str(p.case.dtype).removeprefix("torch.")]
    return tr("case: {case} · {rest}", "用例：{case} · {rest}", case=say(p.case.name),
              rest=" · ".join(part for part in parts if part)) + "\n"


def _mistake_outcome(drill: Drill, impl, p: Planned):
    """What a known mistake returns (or raises) on the case's own inputs, at the case's dtype."""
    try:
        target = _instance(impl, p.call, p.state, p.case.dtype)
        args = [_f64(a) if isinstance(a, str) else a for a in p.call.args]
        kwargs = {k: _f64(v) if isinstance(v, str) else v for k, v in p.call.kwargs.items()}
        with torch.no_grad():
            return _as_tuple(_call(p.case, target, args, kwargs))
    except Exception as exc:  # noqa: BLE001 - a mistake may well raise: that is its outcome
        return exc


def _outputs(r: dict) -> list[torch.Tensor] | None:
    """The attempt's output tensors; None when it raised or returned something else."""
    if "error" in r:
        return None
    items = r["out"].get("items", [r["out"]])
    return [i["tensor"] for i in items] if all("tensor" in i for i in items) else None


def _same(a, b, p: Planned, equal_nan: bool) -> bool:
    tol = tolerance(p.case.dtype, p.case.magnitude)
    return len(a) == len(b) and all(
        isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor) and x.shape == y.shape
        and is_close(x, y, tol, equal_nan) for x, y in zip(a, b))


def _matches(r: dict, outcome, p: Planned) -> bool:
    """The attempt did what the mistake does, and on this case that is not the reference."""
    if "error" in r:  # the same exception, word for word
        err = r["error"]
        return (isinstance(outcome, Exception) and type(outcome).__name__ == err["type"]
                and str(outcome)[:600] == err["message"])
    got = _outputs(r)
    return (got is not None and not isinstance(outcome, Exception)
            and _same(got, outcome, p, equal_nan=True)
            and not _same(outcome, p.expected, p, equal_nan=False))


def _rules_out(r: dict, outcome, p: Planned) -> bool:
    """The mistake shows on this case (its output is not the reference's), and the attempt's
    output is comparable but not the mistake's: whatever went wrong, it is not this mistake."""
    got = _outputs(r)
    return (got is not None and not isinstance(outcome, Exception)
            and len(got) == len(outcome)
            and not _same(outcome, p.expected, p, equal_nan=True)
            and not _same(got, outcome, p, equal_nan=True))


def judge(drill: Drill, planned: list[Planned], outcome: Outcome, device: Outcome, path: str,
          elapsed: float, timeout_s: float = DEFAULT_TIMEOUT_S) -> Scorecard:
    """The scorecard for one attempt, from what its two sandboxes sent back."""
    frames = {f[0]: f for f in outcome.frames if f[0] != "run"}
    results = {f[1]: f[2] for f in outcome.frames + device.frames if f[0] == "run"}
    reads = [r for o in (outcome, device) for f in o.frames if f[0] == "done" for r in f[1]]
    judge_ = _Judge(drill, planned, results)

    def card(checks: list[CheckResult], error: AttemptError | None = None) -> Scorecard:
        checks, likely = judge_.named(checks)
        named = tuple(NamedMistake(m, say(drill.mistake(m).explain)) for m in likely)
        return Scorecard(drill.id, path, tuple(checks), named, error, elapsed, outcome.output,
                         say(drill.title))

    not_implemented = tr("{entry} is not implemented yet: fill in the stub in {path}",
                         "{entry} 还没有实现：请在 {path} 里补全", entry=drill.entry, path=path)
    imports = tr("imports", "能导入")

    if "load_error" in frames:
        err = frames["load_error"][1]
        kind = err["kind"] if err["kind"] != "exception" else "import"
        message = _describe_error(err)
        if kind == "not_implemented":
            message = not_implemented
        checks = [CheckResult("load", imports, False, message)]
        checks += judge_.rules_checks(frames["load_error"][2], reads)[-1:]
        return card(checks, AttemptError(kind, message))
    running = _running(drill, planned, results, "loaded" in frames)
    fatal = _fatal(outcome, running, timeout_s)
    if "loaded" not in frames:
        return card([CheckResult("load", imports, False, fatal.message)], fatal)
    signature = frames["loaded"][1]
    what = "class" if drill.is_module else "function"
    if signature is None or signature["kind"] != what:
        message = tr("{file} defines no {what} named {entry}", "{file} 里没有名为 {entry} 的{what}",
                     file=Path(path).name, what=tr(what, {"class": "类"}.get(what, "函数")),
                     entry=drill.entry)
        if signature is not None:
            message += tr(" ({entry} is a {kind})", "（{entry} 是 {kind}）", entry=drill.entry,
                          kind=signature["kind"])
        return card([CheckResult("load", tr("defines {entry}", "定义了 {entry}",
                                            entry=drill.entry), False, message)],
                    AttemptError("missing", message))

    errors = [r["error"] for r in results.values() if "error" in r]
    if results and len(errors) == len(results) and all(
            e["kind"] == "not_implemented" for e in errors):
        message = not_implemented
        return card([CheckResult("load", tr("implemented", "已实现"), False, message)],
                    AttemptError("not_implemented", message))

    unbuilt = [e for e in errors if e["stage"] in ("init", "state_dict")]
    if results and len(unbuilt) == len(results):  # one message, not one per case
        message = _describe_error(unbuilt[0])
        return card([CheckResult("load", tr(
            "builds {entry} with the reference's weights", "能构建 {entry} 并载入参考答案的权重",
            entry=drill.entry), False, message)], AttemptError("exception", message))

    checks = [_signature_check(drill, signature)]
    for i, p in enumerate(planned):
        checks += judge_.case_check(i, p)
    meta_run = tr("the meta-device run", "meta 设备上的运行")
    if drill.on_device:
        checks.append(judge_.device_check(_fatal(device, meta_run, timeout_s)))
    checks += judge_.rules_checks(frames["loaded"][2], reads)
    return card(checks, fatal or _run_error(errors, results))


def _running(drill: Drill, planned: list[Planned], results: dict, loaded: bool) -> str:
    if not loaded:
        return tr("the import of your file", "导入你的文件")
    for i, p in enumerate(planned):
        if f"case:{i}" not in results:
            return tr("case '{case}'", "用例「{case}」", case=say(p.case.name))
        if p.leak is not None and f"leak:{i}" not in results:
            return tr("the leak test of '{case}'", "「{case}」的泄漏测试", case=say(p.case.name))
    return tr("the end of grading", "评测收尾")


def _run_error(errors: list[dict], results: dict) -> AttemptError | None:
    """An error for the scorecard when runs raised: a memory or exit error always counts; any
    other only when nothing ran at all (else the failing checks tell the story)."""
    for err in errors:
        if err["kind"] in ("memory", "exit"):
            return AttemptError(err["kind"], _describe_error(err))
    if errors and len(errors) == len(results):
        return AttemptError("exception", _describe_error(errors[0]))
    return None
