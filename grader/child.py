"""The sandboxed side: runs in a forked child, never in the process that holds the references.

It loads the attempt, calls it as the job says, and streams back plain tensors and names of
what was called. It judges nothing: all comparing happens in the parent, so an attempt that
monkeypatches torch or returns a lying Tensor subclass fools nobody.
"""

from __future__ import annotations

import ctypes
import faulthandler
import functools
import importlib.util
import inspect
import io
import math
import os
import pickle
import resource
import signal
import struct
import sys
import traceback
from pathlib import Path

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from . import i18n
from .spec import DEVICE
from .torchfast import backward, warm_meta_device

SOLUTIONS_DIR = str(Path(__file__).resolve().parent.parent / "solutions")
OUTPUT_LIMIT = 64 * 1024  # bytes of the attempt's prints kept
FILE_LIMIT = 1 << 20  # bytes the attempt may write to any file, our capture included
MAX_ELEMENTS = 1 << 22  # larger outputs are described, not sent back


class CallLog(TorchFunctionMode):
    """Names every torch function called, by whatever route (alias, method, torch.ops ...)."""

    def __init__(self, names: set[str]):
        super().__init__()
        self.names = names

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.names.add(getattr(func, "__name__", str(func)))
        return func(*args, **(kwargs or {}))


class OpLog(TorchDispatchMode):
    """Names every aten op that runs: catches what slips past CallLog, such as nn modules.
    Also keeps the shape of the largest tensor an op made (flash attention never makes the
    full Tq x Tk score matrix)."""

    def __init__(self, names: set[str]):
        super().__init__()
        self.names = names
        self.largest: tuple[int, ...] = ()
        self.largest_numel = 0

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False  # else torch wraps us in dynamo.disable, and importing dynamo costs ~1 s

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.names.add(func.overloadpacket.__name__)
        out = func(*args, **(kwargs or {}))
        for t in (out if isinstance(out, (tuple, list)) else (out,)):
            if isinstance(t, torch.Tensor) and t.numel() > self.largest_numel:
                self.largest, self.largest_numel = tuple(t.shape), t.numel()
        return out


class Logged:
    """Both logs at once, for the span of a call into the attempt."""

    active: set[str] | None = None  # where tripwires (below) write, while a call is logged

    def __init__(self, names: set[str]):
        self.names = names
        self.ops = OpLog(names)
        self.modes = (CallLog(names), self.ops)

    def __enter__(self):
        Logged.active = self.names
        for mode in self.modes:
            mode.__enter__()

    def __exit__(self, *exc):
        for mode in reversed(self.modes):
            mode.__exit__(*exc)
        Logged.active = None


# torch's pure-Python helpers never reach the logs above as themselves: on the CPU an
# AdamW step or clip_grad_norm_ runs as plain mul_/addcdiv_. Where a drill forbids a name,
# its Python functions and classes in these modules get a tripwire that logs the call and
# refuses it: some of them take seconds to start (AdamW imports torch._dynamo), and a timeout
# would hide the verdict that matters. (torch.nn.functional needs none: CallLog sees it.)
TRIPWIRED = ("torch.optim", "torch.nn.utils", "torchvision")


def _tripwire(fn, name: str):
    @functools.wraps(fn)
    def refused(*args, **kwargs):
        if Logged.active is None:  # not the attempt's call
            return fn(*args, **kwargs)
        Logged.active.add(name)
        raise PermissionError(i18n.tr("{name} is off limits in this drill: write it yourself",
                                      "这道题不能用 {name}：要自己写出来", name=name))
    return refused


def set_tripwires(forbidden: tuple[str, ...]) -> None:
    """Before the attempt loads, so that `from torch.optim.adamw import adamw` gets one too."""
    if not forbidden:
        return
    hit = lambda name: any(f in name.lower() for f in forbidden)  # noqa: E731
    modules = [m for n, m in list(sys.modules.items())
               if m is not None and n.startswith(TRIPWIRED)]
    for module in modules:
        for attr, value in list(vars(module).items()):
            # Public names only: torch's private helpers (decorators among them) are torch's
            # own business, and an attempt has no reason to reach for them.
            if (attr.startswith("_") or not hit(attr)
                    or not str(getattr(value, "__module__", "")).startswith(TRIPWIRED)):
                continue
            if isinstance(value, type):  # a class (torch.optim.AdamW): its constructor
                if "__init__" in vars(value) and not hasattr(value.__init__, "__wrapped__"):
                    value.__init__ = _tripwire(value.__init__, value.__name__)
            elif inspect.isfunction(value):
                setattr(module, attr, _tripwire(value, attr))


class _CappedOutput(io.TextIOBase):
    """stdout/stderr for the attempt: keeps the first OUTPUT_LIMIT bytes, drops the rest."""

    def __init__(self, fd: int):
        self.fd, self.left = fd, OUTPUT_LIMIT

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if self.left > 0:
            data = s.encode("utf-8", "replace")[: self.left]
            self.left -= len(data)
            try:
                os.write(self.fd, data)
            except OSError:
                self.left = 0
        return len(s)


def _send(fd: int, frame: object) -> None:
    buf = io.BytesIO()
    torch.save(frame, buf)
    data = buf.getvalue()
    os.write(fd, struct.pack("<Q", len(data)))
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _recv(fd: int) -> object:
    def read(n: int) -> bytes:
        chunks = []
        while n:
            chunk = os.read(fd, n)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    (size,) = struct.unpack("<Q", read(8))
    return pickle.loads(read(size))


def _confine(capture_fd: int, memory_headroom: int, cpu_seconds: int) -> None:
    """Own process group, no stdin, output captured, memory and file size capped."""
    os.setpgid(0, 0)
    faulthandler.disable()  # a crash is reported by the parent, not dumped on the user's terminal
    try:  # die with the parent, so a Ctrl-C'd check never leaves a spinning child
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(capture_fd, 1)
    os.dup2(capture_fd, 2)
    sys.stdin = open(os.devnull)
    sys.stdout = sys.stderr = _CappedOutput(capture_fd)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-long write fails instead of killing us
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # a zygote's handler is not ours
    signal.set_wakeup_fd(-1)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    with open("/proc/self/statm") as f:
        in_use = int(f.read().split()[0]) * resource.getpagesize()
    limit = in_use + memory_headroom
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    torch.set_num_threads(1)


def _audit_solutions(event: str, args: tuple) -> None:
    """Refuse any file opened under solutions/: the attempt may not read the references.

    The attempt's own file (and its bytecode) may be there: that is grading the reference.
    """
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.abspath(os.fsdecode(args[0]))
        own = _audit_solutions.allowed
        if _is_hidden(path) and not (path == own[0] or path.startswith(own[1])):
            _audit_solutions.reads.append(path)
            raise PermissionError(f"{path}: the hidden solutions can't be read while grading")


def _is_hidden(path: str) -> bool:
    """Under the installed solutions/, or under any handwrite checkout's (a clone next to an
    installed copy holds the same references: ``solutions/`` beside ``grader/child.py``)."""
    if path.startswith(SOLUTIONS_DIR):
        return True
    folder = os.path.dirname(path)
    while os.path.basename(folder) != "solutions":  # solutions/__pycache__/... too
        if folder == os.path.dirname(folder):  # the root: no solutions/ above
            return False
        folder = os.path.dirname(folder)
    return os.path.exists(os.path.join(os.path.dirname(folder), "grader", "child.py"))


_audit_solutions.reads = []
_audit_solutions.allowed = ("", "")


def _forget_solutions() -> None:
    """A parent that graded before (tests, a notebook) may hold the references in sys.modules,
    where an import would find them without opening a file: drop them in the child."""
    for name in [n for n in sys.modules if n.startswith("handwrite.solutions")]:
        del sys.modules[name]
    parent = sys.modules.get("handwrite")
    if parent is not None and hasattr(parent, "solutions"):
        delattr(parent, "solutions")
    registry = sys.modules.get("handwrite.grader.registry")
    if registry is not None:
        registry.load.cache_clear()


def _error(exc: BaseException, attempt_path: str, stage: str) -> dict:
    if isinstance(exc, SystemExit):
        kind = "exit"
    elif isinstance(exc, MemoryError) or "can't allocate memory" in str(exc):
        kind = "memory"
    elif isinstance(exc, NotImplementedError):
        kind = "not_implemented"
    elif isinstance(exc, SyntaxError) and stage == "import":
        kind = "syntax"
    elif isinstance(exc, ImportError) and stage == "import":
        kind = "import"
    else:
        kind = "exception"
    line, code = None, ""  # where in the attempt it happened (the parent words it)
    if isinstance(exc, SyntaxError):
        line, code = exc.lineno, (exc.text or "").strip()
    else:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename == attempt_path:
                line, code = frame.lineno, (frame.line or "").strip()
                break
    message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    if isinstance(exc, SystemExit):
        message = f"sys.exit({exc.code!r})"
    return {"kind": kind, "type": type(exc).__name__, "message": message[:600], "line": line,
            "code": code, "stage": stage, "stdin": isinstance(exc, EOFError)}


def _plain(value: object) -> dict:
    """The attempt's return value as a plain tensor (or a description of what it was instead).
    A tuple or list comes back item by item."""
    module, name = type(value).__module__, type(value).__qualname__
    kind = name if module == "builtins" else f"{module}.{name}"
    if isinstance(value, (tuple, list)) and len(value) <= 16:
        return {"type": kind, "items": [_plain(v) for v in value]}
    if not isinstance(value, torch.Tensor):
        return {"type": kind}
    with torch._C.DisableTorchFunctionSubclass():  # a subclass's overrides don't run here
        plain = torch.Tensor.detach(value)
        info = {"type": "torch.Tensor", "subclass": type(value) is not torch.Tensor,
                "shape": tuple(plain.shape), "dtype": str(plain.dtype).removeprefix("torch."),
                "device": str(plain.device)}
        if plain.device.type != "meta" and plain.numel() <= MAX_ELEMENTS:
            info["tensor"] = plain.cpu().clone()
    return info


def _prepare(value, device: str, grad: bool):
    if isinstance(value, (tuple, list)):
        return type(value)(_prepare(v, device, grad) for v in value)
    if isinstance(value, str) and value == DEVICE:
        return device
    if isinstance(value, torch.Tensor):
        value = value.to(device, copy=True)  # a copy: runs that share an input stay apart
        if grad and value.is_floating_point():
            value.requires_grad_(True)
    return value


def describe_signature(obj) -> dict:
    """Parameter names and defaults of a function, or of a module's __init__ and forward."""
    def params(fn) -> list:
        sig = inspect.signature(fn)
        return [(p.name, repr(p.default) if p.default is not p.empty else None)
                for p in sig.parameters.values() if p.name != "self"]

    if isinstance(obj, type):
        return {"kind": "class", "init": params(obj.__init__), "forward": params(obj.forward)}
    return {"kind": "function" if callable(obj) else type(obj).__name__,
            "call": params(obj) if callable(obj) else []}


def _tensors(label: str, value) -> dict:
    """Every tensor in an argument, tuples and lists included: {"arg1[0]": tensor, ...}."""
    if isinstance(value, torch.Tensor):
        return {label: value}
    if isinstance(value, (tuple, list)):
        return {k: t for i, v in enumerate(value) for k, t in _tensors(f"{label}[{i}]", v).items()}
    return {}


def _driver(drive: tuple[str, str] | None):
    """The case's drive function from its (name, source) (see spec.Case.drive)."""
    if drive is None:
        return lambda target, *args, **kwargs: target(*args, **kwargs)
    name, source = drive
    namespace = {"torch": torch, "math": math, "F": torch.nn.functional, "nn": torch.nn,
                 "tr": i18n.tr}  # tr: a drive's own messages in the user's language
    exec(compile(source, f"<drive {name}>", "exec"), namespace)  # noqa: S102 - our spec's code
    return namespace[name]


def _run(target, is_module: bool, run: dict, attempt_path: str) -> dict:
    device, call, names = run["device"], run["call"], set()
    args = [_prepare(a, device, run["grad"]) for a in call["args"]]
    kwargs = {k: _prepare(v, device, run["grad"]) for k, v in call["kwargs"].items()}
    inputs = {k: t for i, a in enumerate(args) for k, t in _tensors(f"arg{i}", a).items()}
    inputs |= {k: t for name, v in kwargs.items() for k, t in _tensors(name, v).items()}
    before = {k: v.detach().clone() for k, v in inputs.items() if device != "meta"}
    stage = "init"
    try:
        drive = _driver(run.get("drive"))
        if is_module:
            with Logged(names):
                module = target(*call["init_args"], **call["init_kwargs"])
            stage = "state_dict"
            _load_weights(module, run["state"])
            target = module.to(device=device, dtype=run["dtype"])
        stage = "forward"
        logged = Logged(names)
        with logged:
            out = drive(target, *args, **kwargs)
        result = {"out": _plain(out), "calls": sorted(names), "largest": logged.ops.largest}
    except BaseException as exc:  # noqa: BLE001 - whatever the attempt raises is a verdict
        return {"error": _error(exc, attempt_path, stage), "calls": sorted(names)}
    if run["grad"]:
        try:
            result |= _gradients(out, run, inputs, module if is_module else None)
        except BaseException as exc:  # noqa: BLE001
            result["grad_error"] = _error(exc, attempt_path, "backward")
    result["mutated"] = [k for k, v in before.items() if not _same(inputs[k], v)]
    return result


class WeightsMismatch(Exception):
    """The attempt's module has other parameters than the reference's."""


def _load_weights(module, state: dict) -> None:
    """load_state_dict(strict=True), with the key mismatch said from the attempt's side."""
    theirs, ours = set(module.state_dict()), set(state)
    if theirs != ours:
        extra, lacking = sorted(theirs - ours), sorted(ours - theirs)
        raise WeightsMismatch(
            i18n.tr("the module's parameters don't match the contract's: ", "模块的参数与约定不符：")
            + (i18n.tr("it lacks {names}", "缺少 {names}", names=", ".join(lacking))
               if lacking else "")
            + ("; " if lacking and extra else "")
            + (i18n.tr("it has extra {names}", "多出 {names}", names=", ".join(extra))
               if extra else ""))
    module.load_state_dict(state, strict=True)  # shapes: torch's message names the parameter


def _gradients(out, run: dict, inputs: dict, module) -> dict:
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    if not all(isinstance(o, torch.Tensor) for o in outs) or len(outs) != len(run["upstream"]):
        raise TypeError(i18n.tr("the output is not what the contract says: no gradients",
                                "输出不符合约定：无法求梯度"))
    pairs = [(o, u.to(device=o.device, dtype=o.dtype))
             for o, u in zip(outs, run["upstream"]) if u is not None]
    for o, u in pairs:
        if o.shape != u.shape:
            raise ValueError(i18n.tr("the output's shape {shape} is wrong: no gradients",
                                     "输出的形状 {shape} 不对：无法求梯度", shape=tuple(o.shape)))
    backward(tuple(o for o, _ in pairs), tuple(u for _, u in pairs))
    grads = {"grads": {k: _grad(v) for k, v in inputs.items() if v.is_floating_point()}}
    if module is not None:
        grads["param_grads"] = {n: _grad(p) for n, p in module.named_parameters()}
    return grads


def _grad(t: torch.Tensor):
    return None if t.grad is None else _plain(t.grad).get("tensor")


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    a = a.detach()
    return a.shape == b.shape and bool(((a == b) | (a.isnan() & b.isnan())).all())


def main(job_fd: int, result_fd: int, capture_fd: int, limits: dict, warm_meta: bool) -> None:
    """The child's whole life: confine, wait for the job, load the attempt, run it, report."""
    _confine(capture_fd, limits["memory"], limits["cpu_seconds"])
    if warm_meta:
        warm_meta_device()  # while the parent is still busy: the meta run needs it
    job = _recv(job_fd)
    i18n.set_language(job["lang"])  # the parent's, whenever this child was forked
    _forget_solutions()
    set_tripwires(job.get("forbidden", ()))
    sys.dont_write_bytecode = True  # leave no __pycache__ in the user's workspace
    attempt_path = job["path"]
    stem = os.path.splitext(os.path.basename(attempt_path))[0]
    cache = os.path.join(os.path.dirname(attempt_path), "__pycache__", stem + ".")
    _audit_solutions.allowed = (attempt_path, cache)
    sys.path.insert(0, os.path.dirname(attempt_path))  # as `python attempt.py` would
    sys.addaudithook(_audit_solutions)
    _load_and_run(job, result_fd, attempt_path)
    _send(result_fd, ("done", _audit_solutions.reads))


def _load_and_run(job: dict, result_fd: int, attempt_path: str) -> None:
    names: set[str] = set()
    try:
        spec = importlib.util.spec_from_file_location("attempt", attempt_path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["attempt"] = module
        with Logged(names):
            spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - whatever the import raises is a verdict
        _send(result_fd, ("load_error", _error(exc, attempt_path, "import"), sorted(names)))
        return
    target = getattr(module, job["entry"], None)
    signature = None if target is None else describe_signature(target)
    _send(result_fd, ("loaded", signature, sorted(names)))
    if target is None or isinstance(target, type) != job["is_module"] or not callable(target):
        return
    for key, run in job["runs"]:
        _send(result_fd, ("run", key, _run(target, job["is_module"], run, attempt_path)))
