"""Bad input gets a clear verdict, never a traceback from handwrite and never a hang."""

import os
import time

import pytest

from handwrite.grader import Verdict, grade

GOOD_BODY = """
def softmax(x, dim=-1):
    e = (x - x.amax(dim=dim, keepdim=True)).exp()
    return e / e.sum(dim=dim, keepdim=True)
"""


def _grade(write, source, timeout_s=2.0, passes=False):
    start = time.monotonic()
    card = grade("softmax", write("import torch\n" + source), timeout_s=timeout_s)
    assert time.monotonic() - start < timeout_s + 8, "grading must not hang"
    assert card.passed is passes, card.error
    return card


@pytest.mark.parametrize("source,kind,words", [
    ("def softmax(x, dim=-1)\n    return x\n", "syntax", "line 2"),
    ("import no_such_module_xyz\n", "import", "no_such_module_xyz"),
    ("def soft_max(x, dim=-1):\n    return x\n", "missing", "no function named softmax"),
    ("softmax = 3\n", "load", None),
    ("raise RuntimeError('boom at import')\n", "import", "boom at import"),
    ("import sys\nsys.exit(3)\n", "exit", "sys.exit(3)"),
    ("while True:\n    pass\n", "timeout", "import of your file"),
    ("def softmax(x, dim=-1):\n    while True:\n        pass\n", "timeout", "case"),
    ("def softmax(x, dim=-1):\n    import sys\n    sys.exit(0)\n", "exit", "sys.exit(0)"),
    ("def softmax(x, dim=-1):\n    import os\n    os._exit(4)\n", "exit", "code 4"),
    ("def softmax(x, dim=-1):\n    import ctypes\n    return ctypes.string_at(0)\n", "crash",
     "SIGSEGV"),
    ("def softmax(x, dim=-1):\n    raise ValueError('nope')\n", "exception", "ValueError: nope"),
    ("def softmax(x, dim=-1):\n    return input()\n", "exception", "stdin is closed"),
    ("def softmax(x, dim=-1):\n    return softmax(x, dim)\n", "exception", "RecursionError"),
    ("def softmax(x, dim=-1):\n    return torch.empty(10**12)\n", "memory", "allocate"),
    ("def softmax(x, dim=-1):\n    return [0] * 10**11\n", "memory", "MemoryError"),
])
def test_bad_attempt_gets_a_verdict(write, source, kind, words):
    card = _grade(write, source)
    if kind == "load":  # defines the name, but not as a function
        assert card.error.kind == "missing"
        return
    assert card.error is not None and card.error.kind == kind, card.error
    if words:
        assert words in card.error.message


@pytest.mark.parametrize("value,type_name", [
    ("None", "NoneType"), ("[1.0, 2.0]", "list"), ("x.tolist()", "list"), ("3.0", "float"),
])
def test_wrong_return_type_is_a_shape_failure(write, value, type_name):
    card = _grade(write, f"def softmax(x, dim=-1):\n    return {value}\n")
    shape = [c for c in card.checks if c.category == "shape" and not c.passed]
    assert shape and type_name in shape[0].message and "torch.Tensor" in shape[0].message


def test_huge_output_is_truncated(write):
    card = _grade(write, "print('x' * 50_000_000)\n" + GOOD_BODY.replace(
        "    e =", "    for _ in range(1000):\n        print('y' * 1000)\n    e =", 1), passes=True)
    assert len(card.output) <= 4096 and card.output.startswith("xxx")


def test_lying_tensor_subclass_and_monkeypatching_fool_nobody(write):
    card = _grade(write, """
class Liar(torch.Tensor):
    def __eq__(self, other):
        return True

torch.allclose = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
torch.isclose = lambda a, b, *r, **k: torch.ones_like(a, dtype=torch.bool)

def softmax(x, dim=-1):
    return torch.zeros_like(x).as_subclass(Liar)
""")
    assert "numerics" in card.failing_categories


def test_timeout_kills_the_whole_process_group(write, tmp_path):
    pidfile = tmp_path / "pid"
    card = _grade(write, f"""
import subprocess
child = subprocess.Popen(["sleep", "60"])
open({str(pidfile)!r}, "w").write(str(child.pid))
while True:
    pass
""", timeout_s=1.5)
    assert card.error.kind == "timeout"
    pid = int(pidfile.read_text())
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if open(f"/proc/{pid}/stat").read().split()[2] == "Z":
            return  # a zombie: killed, waiting for its reaper
        time.sleep(0.05)
    pytest.fail("the attempt's own child outlived the timeout")


def test_stub_untouched_is_not_a_crash():
    from handwrite.grader import registry
    card = grade("softmax", registry.stub_path("softmax"))
    assert card.verdict is Verdict.TODO and "not implemented" in card.error.message
