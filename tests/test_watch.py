"""Watch mode in a real pseudo-terminal: grade, save, see it graded again, Ctrl-C."""

import os

import pexpect
import pytest

from handwrite.grader import registry

from conftest import handwrite_cmd

WRONG = ("import torch\n\ndef softmax(x, dim=-1):\n"
         "    return torch.exp(x) / torch.exp(x).sum(dim, keepdim=True)\n")


def _spawn(home, *args):
    cmd = handwrite_cmd()
    env = {**os.environ, "HANDWRITE_HOME": str(home), "COLUMNS": "80", "LINES": "50"}
    return pexpect.spawn(cmd[0], cmd[1:] + list(args), env=env, encoding="utf-8", timeout=30,
                         dimensions=(50, 80))


def _save(path, source):
    # As many editors do: write a new file, then rename it over the old one.
    tmp = path.with_suffix(".tmp~")
    tmp.write_text(source)
    tmp.replace(path)


@pytest.mark.parametrize("args", [("watch", "softmax"), ("check", "softmax", "--watch"),
                                  ("watch", "softmax", "--poll")])
def test_watch_grades_again_on_every_save(tmp_path, args):
    home = tmp_path / "ws"
    home.mkdir()
    attempt = home / "softmax.py"
    attempt.write_text(registry.stub_path("softmax").read_text())
    child = _spawn(home, *args)
    child.expect("NOT IMPLEMENTED")
    child.expect("save to grade again")
    _save(attempt, registry.reference_path("softmax").read_text())
    child.expect("PASS")
    child.expect("all passing")
    _save(attempt, WRONG)
    child.expect("FAIL")
    child.expect("no-max-subtraction")
    child.expect("not passing yet")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_watching_the_workspace_picks_up_a_new_attempt(tmp_path):
    home = tmp_path / "ws"
    home.mkdir()
    child = _spawn(home, "watch")
    child.expect("save to grade again")  # nothing attempted yet: it waits
    _save(home / "softmax.py", registry.reference_path("softmax").read_text())
    child.expect("checks passed")
    child.expect("PASS")
    (home / "notes.txt").write_text("not an attempt")  # ignored: no grading follows
    _save(home / "softmax.py", WRONG)
    child.expect("FAIL")
    child.sendintr()
    child.expect(pexpect.EOF)
