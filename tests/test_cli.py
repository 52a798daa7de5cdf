"""The CLI end to end: through typer's runner, and through the installed `handwrite` command."""

import json
import re
import subprocess

import pytest
from typer.testing import CliRunner

from handwrite.cli import app
from handwrite.grader import registry
from handwrite.grader.spec import CATEGORIES
from handwrite.grader.results import ERROR_KINDS

from conftest import handwrite_cmd

runner = CliRunner()
ANSI = re.compile(r"\x1b\[")


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_every_command_has_help():
    group = typer_group()
    for name, command in group.commands.items():
        assert command.help and command.help.strip(), f"{name} has no help"
        assert run(name, "--help").exit_code == 0


def typer_group():
    import typer.main
    return typer.main.get_group(app)


def test_attempt_lays_the_stub_and_never_overwrites(workspace):
    result = run("attempt", "softmax")
    assert result.exit_code == 0, result.output
    path = workspace / "softmax.py"
    assert path.read_text() == registry.stub_path("softmax").read_text()
    assert "softmax" in result.output and "Contract" in result.output
    path.write_text("# my work\n")
    again = run("attempt", "softmax")
    assert again.exit_code == 0 and "Already started" in again.output and "reset" in again.output
    assert path.read_text() == "# my work\n"


def test_check_stub_then_reference_records_progress(workspace):
    run("attempt", "softmax")
    todo = run("check", "softmax")
    assert todo.exit_code == 1 and "not implemented" in todo.output
    (workspace / "softmax.py").write_text(registry.reference_path("softmax").read_text())
    done = run("check", "softmax")
    assert done.exit_code == 0, done.output
    assert "PASS" in done.output
    listing = run("list")
    assert listing.exit_code == 0 and "passed" in listing.output
    assert (workspace / "progress.db").exists()


def test_unknown_drill_lists_close_matches(workspace):
    result = run("check", "sofmax")
    assert result.exit_code == 2
    assert "did you mean softmax" in result.output


def test_file_without_drill_needs_a_drill_name(workspace, write):
    named = write("import torch\n", "softmax.py")
    assert run("check", "--file", str(named)).exit_code == 1  # graded as softmax
    result = run("check", "--file", str(write("", "mine.py")))
    assert result.exit_code == 2 and "handwrite check DRILL --file" in result.output


def test_missing_file_is_exit_2(workspace, tmp_path):
    assert run("check", "softmax").exit_code == 2
    result = run("check", "softmax", "--file", str(tmp_path / "nope.py"))
    assert result.exit_code == 2 and "nope.py" in result.output


def test_hyphenated_ids_and_aliases_are_accepted():
    assert registry.resolve("SoftMax") == "softmax"
    for drill_id in registry.ids():
        assert registry.resolve(drill_id.replace("_", "-")) == drill_id
        for alias in registry.load(drill_id).aliases:  # parsed from source == as declared
            assert registry.resolve(alias) == drill_id
    assert set(registry.aliases()) == {
        a.replace("-", "_") for d in registry.all_drills() for a in d.aliases}


def test_json_is_one_object_in_the_documented_shape(workspace, write):
    path = write("import torch\ndef softmax(x, dim=-1):\n    return torch.exp(x) / "
                 "torch.exp(x).sum(dim, keepdim=True)\n")
    result = run("check", "softmax", "--file", str(path), "--json")
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert set(body) == {"drill", "passed", "checks", "mistakes", "error", "elapsed_s"}
    assert body["drill"] == "softmax" and body["passed"] is False
    assert "no-max-subtraction" in body["mistakes"]
    for check in body["checks"]:
        assert set(check) == {"category", "name", "passed", "message"}
        assert check["category"] in CATEGORIES


def test_json_error_kind(workspace, write):
    result = run("check", "softmax", "--file", str(write("def softmax(:\n")), "--json")
    body = json.loads(result.stdout)
    assert result.exit_code == 1 and body["error"]["kind"] == "syntax"
    assert body["error"]["kind"] in ERROR_KINDS


def test_check_without_drill_grades_every_attempt(workspace):
    assert run("check").exit_code == 2  # nothing attempted yet
    run("attempt", "softmax")
    (workspace / "softmax.py").write_text(registry.reference_path("softmax").read_text())
    result = run("check")
    assert result.exit_code == 0, result.output
    body = json.loads(run("check", "--json").stdout)
    assert body["passed"] is True and [d["drill"] for d in body["drills"]] == ["softmax"]


def test_hints_come_one_more_each_call(workspace):
    hints = registry.load("softmax").hints
    for i in range(len(hints) + 1):
        result = run("hint", "softmax")
        shown = min(i + 1, len(hints))
        assert f"Hint {shown}/{len(hints)}" in result.output
    assert "last hint" in result.output


def test_solution_asks_unless_passed_or_yes(workspace):
    refused = run("solution", "softmax", input="n\n")
    assert refused.exit_code == 1 and "def softmax" not in refused.stdout
    shown = run("solution", "softmax", "--yes")
    assert shown.exit_code == 0 and "def softmax" in shown.stdout
    assert not ANSI.search(shown.stdout), "piped output must be plain code"
    (workspace / "softmax.py").write_text(shown.stdout)
    assert run("check", "softmax").exit_code == 0  # the shown file passes as it stands
    assert "def softmax" in run("solution", "softmax").stdout  # passed: no question asked


def test_reset_asks_then_restores_the_stub(workspace):
    run("attempt", "softmax")
    path = workspace / "softmax.py"
    path.write_text("# mine\n")
    assert run("reset", "softmax", input="n\n").exit_code == 1
    assert path.read_text() == "# mine\n"
    assert run("reset", "softmax", "--yes").exit_code == 0
    assert path.read_text() == registry.stub_path("softmax").read_text()


def test_demo_names_the_seed_blogs_two_mistakes():
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "unused-projection" in result.output and "mask-fill-overflow" in result.output


def _installed(*args, env_home, **kw):
    return subprocess.run(handwrite_cmd() + list(args), capture_output=True, text=True,
                          env={"HANDWRITE_HOME": str(env_home), "PATH": "/usr/bin:/bin",
                               "NO_COLOR": "1", **kw}, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("source,kind", [
    ("import os\ndef softmax(x, dim=-1):\n    os._exit(1)\n", "exit"),
    ("import ctypes\ndef softmax(x, dim=-1):\n    return ctypes.string_at(0)\n", "crash"),
    ("def softmax(x, dim=-1):\n    while True: pass\n", "timeout"),
])
def test_installed_command_survives_bad_attempts(tmp_path, write, source, kind):
    path = write(source)
    result = _installed("check", "softmax", "--file", str(path), "--json", env_home=tmp_path,
                        HANDWRITE_TIMEOUT="2")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert json.loads(result.stdout)["error"]["kind"] == kind


def test_installed_command_scorecard_is_plain_when_piped(tmp_path, write):
    path = write("import torch\ndef softmax(x, dim=-1):\n    return torch.exp(x) / "
                 "torch.exp(x).sum(dim, keepdim=True)\n")
    result = _installed("check", "softmax", "--file", str(path), env_home=tmp_path)
    assert result.returncode == 1
    assert not ANSI.search(result.stdout)
    assert "FAIL" in result.stdout and "no-max-subtraction" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
