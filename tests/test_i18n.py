"""Both languages: every text a user reads has its Chinese beside the English, the language is
chosen as the README says, and Chinese screens stay aligned at 80 columns."""

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from handwrite.grader import grade, i18n, registry, render, workspace
from handwrite.grader.i18n import T, say, tr
from handwrite.grader.selftest import mistake_source

from conftest import DRILL_IDS, handwrite_cmd

PACKAGE = Path(registry.PACKAGE_DIR)
SOURCES = sorted(PACKAGE.glob("grader/*.py")) + [PACKAGE / "cli.py"]
TRANSLATORS = {"tr", "T", "both"}


@pytest.fixture
def zh():
    i18n.set_language("zh")
    yield
    i18n.set_language(None)


# What is missing: listed, so that a failure says exactly what to translate


def _untranslated_calls(path: Path) -> list[str]:
    """tr("..."), T("...") and both("...") calls in a source file without their Chinese."""
    missing = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in TRANSLATORS):
            continue
        zh = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "zh"), None)
        if zh is None or (isinstance(zh, ast.Constant) and not zh.value):
            missing.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:70]}")
    return missing


def _drill_texts(drill) -> list[tuple[str, str]]:
    """(where, text) for every text of a drill that a user reads."""
    texts = [("title", drill.title)]
    texts += [(f"hint {i + 1}", h) for i, h in enumerate(drill.hints)]
    texts += [(f"mistake {m.id}", m.explain) for m in drill.mistakes]
    texts += [(f"case {c.name!r}", c.name) for c in drill.cases]
    texts += [(f"property {p.name!r}", p.name) for c in drill.cases for p in c.properties]
    texts += [(f"output {name!r}", name) for name in drill.outputs  # prose, not code
              if " " in name and "(" not in name]
    return texts


def missing_translations() -> list[str]:
    missing = [m for path in SOURCES for m in _untranslated_calls(path)]
    for drill_id in DRILL_IDS:
        drill = registry.load(drill_id)
        missing += [f"{drill_id} {where}: {text[:60]!r}" for where, text in _drill_texts(drill)
                    if not getattr(text, "zh", None)]
        spec = registry.SOLUTIONS / f"{drill_id}{registry.SPEC_SUFFIX}"
        missing += [f"{drill_id} spec: {m}" for m in _untranslated_calls(spec)]
        if not registry.statement_path(drill_id, "zh").is_file():
            missing.append(f"{drill_id}: no {registry.statement_path(drill_id, 'zh').name}")
    return missing


def test_nothing_is_left_untranslated():
    missing = missing_translations()
    assert not missing, f"{len(missing)} texts have no Chinese yet:\n" + "\n".join(missing)


# Rendered screens in Chinese: no English sentence left, nothing wider than 80 columns

# Four English words in a row is prose someone forgot to translate; code, shapes, dtypes and
# torch's own exception messages are not prose.
ENGLISH_PROSE = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){3,}\b")  # (tags are a, b, c)
NOT_OURS = re.compile(r"^\s*\w+(Error|Exception|Warning): |Usage: |Show this message")


def _english_left(text: str) -> list[str]:
    return [f"{line.strip()[:90]}" for line in text.splitlines()
            if not NOT_OURS.search(line) and ENGLISH_PROSE.search(line)]


def _screen(*renderables) -> str:
    con = Console(width=80, record=True, color_system=None, file=open("/dev/null", "w"))
    for r in renderables:
        con.print(r)
    return con.export_text()


def _aligned(screen: str) -> list[str]:
    """Lines wider than 80 columns, counting a CJK character as the two it takes."""
    return [line for line in screen.splitlines() if cell_len(line) > 80]


@pytest.mark.parametrize("drill_id", DRILL_IDS)
def test_drill_screens_in_chinese(drill_id, zh, write):
    drill = registry.load(drill_id)
    stub = registry.stub_text(drill_id, "zh")
    english = registry.stub_path(drill_id).read_text()
    # Only the docstring is translated: the code the user fills in is the same.
    code = [ast.dump(n) for n in ast.parse(stub).body[1:]]
    assert code == [ast.dump(n) for n in ast.parse(english).body[1:]]
    task = workspace.task(drill_id)
    assert max(map(cell_len, task.splitlines())) <= 76, "the task panel must fit 80 columns"
    card = grade(drill_id, write(mistake_source(drill, drill.mistakes[0])))
    assert not card.passed
    screen = _screen(render.task(drill, task, "/tmp/x.py", True),
                     *[render.hint(drill, i) for i in range(len(drill.hints))],
                     render.scorecard(card, verbose=True))
    assert not _english_left(screen), _english_left(screen)
    assert not _aligned(screen)


CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize("drill_id", DRILL_IDS)
def test_drill_screens_in_english_hold_no_chinese(drill_id, write):
    drill = registry.load(drill_id)
    card = grade(drill_id, write(mistake_source(drill, drill.mistakes[-1])))
    screen = _screen(render.task(drill, workspace.task(drill_id), "/tmp/x.py", True),
                     *[render.hint(drill, i) for i in range(len(drill.hints))],
                     render.scorecard(card, verbose=True))
    assert not card.passed and "Likely cause" in screen
    assert not CJK.findall(screen), [line for line in screen.splitlines() if CJK.search(line)]


def test_chinese_mock_panel_and_stats_fit(zh, tmp_path):
    from handwrite.grader.mock import MockInterview

    drills = [registry.load(d) for d in ("softmax", "attention", "layer_norm")]
    mock = MockInterview.start(drills, tmp_path, 1800, clock=lambda: 1000.0)
    screen = _screen(render.mock_panel(mock, 1, hint_text=say(drills[1].hints[0])))
    assert "模拟面试" in screen and "剩余" in screen
    assert not _english_left(screen) and not _aligned(screen)
    # every row of the panel ends in its right border, at the same column
    rows = [line for line in screen.splitlines() if line.startswith("│")]
    assert rows and {cell_len(r.rstrip()) for r in rows} == {80}


def test_chinese_stats_list_next_and_report(zh, tmp_path):
    from handwrite.grader.advice import recommend
    from handwrite.grader.mock import MockInterview
    from handwrite.grader.progress import Progress
    from handwrite.grader.results import CheckResult, Scorecard

    now = [1_800_000_000.0]
    progress = Progress(tmp_path, clock=lambda: now[0])
    failing = Scorecard("softmax", "softmax.py", (
        CheckResult("load", "x", True), CheckResult("stability", "x", False, "nan")))
    progress.record(failing)
    now[0] += 300
    drills = [registry.load(d) for d in ("softmax", "layer_norm")]
    mock = MockInterview.start(drills, tmp_path, 1800, clock=lambda: now[0], progress=progress)
    mock.on_cards([failing])
    mock.hint("softmax")
    report = mock.finish("finished early")
    all_drills = registry.all_drills()
    stats = progress.stats()
    screen = _screen(
        render.catalog(all_drills, stats),
        render.stats(stats, all_drills, progress.mocks(), progress.daily(14), now[0]),
        render.advice(recommend(all_drills, stats, now[0]), registry.load("softmax"), True),
        render.mock_report(report))
    for words in ("题目", "数值稳定性", "模拟面试", "得分", "接下来练习", "最近 14 天", "下一题"):
        assert words in screen, words
    assert not _english_left(screen), _english_left(screen)
    assert not _aligned(screen)


# Choosing the language


@pytest.mark.parametrize("env,want", [
    ({"HANDWRITE_LANG": "zh"}, "zh"), ({"HANDWRITE_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"), ({"LANG": "C.UTF-8"}, "en"), ({}, "en"),
])
def test_language_from_the_environment(monkeypatch, env, want):
    for var in ("HANDWRITE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert i18n.language() == want
    i18n.set_language("en" if want == "zh" else "zh")  # the flag beats the environment
    try:
        assert i18n.language() != want
    finally:
        i18n.set_language(None)


def test_texts_fall_back_to_english(zh):
    assert say(T("masking", zh="掩码")) == "掩码"
    assert say(T("not yet translated")) == "not yet translated"
    assert say("plain str") == "plain str"
    assert tr("{n} checks", "{n} 项检查", n=3) == "3 项检查"
    with pytest.raises(ValueError, match="choose one of en, zh"):
        i18n.set_language("fr")


def _run(*args, env_home, lang_env=None):
    env = {"HANDWRITE_HOME": str(env_home), "PATH": "/usr/bin:/bin", "HOME": str(env_home),
           "COLUMNS": "80", **(lang_env or {})}
    return subprocess.run(handwrite_cmd() + list(args), capture_output=True, text=True, env=env,
                          timeout=120)


def test_cli_speaks_chinese_by_flag_env_and_locale(tmp_path):
    by_flag = _run("attempt", "softmax", "--lang", "zh", env_home=tmp_path / "a")
    assert by_flag.returncode == 0, by_flag.stderr
    assert "编辑" in by_flag.stdout and "约定" in (tmp_path / "a" / "softmax.py").read_text()
    by_locale = _run("hint", "softmax", env_home=tmp_path / "b",
                     lang_env={"LANG": "zh_CN.UTF-8"})
    assert "提示 1/" in by_locale.stdout
    english = _run("hint", "softmax", env_home=tmp_path / "c", lang_env={"LANG": "C.UTF-8"})
    assert "Hint 1/" in english.stdout
    unknown = _run("list", "--lang", "fr", env_home=tmp_path / "d")
    assert unknown.returncode == 2 and "choose one of en, zh" in unknown.stderr


def test_json_keys_stay_english_and_messages_follow_the_language(tmp_path):
    attempt = tmp_path / "softmax.py"
    attempt.write_text("import torch\n\ndef softmax(x, dim=-1):\n    return x.exp() / "
                       "x.exp().sum(dim, keepdim=True)\n")
    done = _run("--lang=zh", "check", "softmax", "--file", str(attempt), "--json",
                env_home=tmp_path)
    body = json.loads(done.stdout)
    assert set(body) == {"drill", "passed", "checks", "mistakes", "error", "elapsed_s"}
    failing = [c for c in body["checks"] if not c["passed"]]
    assert failing and all(c["category"] in ("stability", "numerics") for c in failing)
    assert any("用例" in c["message"] for c in failing)
