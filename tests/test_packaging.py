"""handwrite installs as one package with a `handwrite` command, and nothing else."""

import importlib.metadata
import importlib.util

from handwrite.grader import registry


def test_only_the_handwrite_package_is_installed():
    files = importlib.metadata.distribution("handwrite").files or []
    top = {str(f).split("/")[0] for f in files}
    assert not {"grader", "cli.py", "drills", "solutions", "tests"} & top, top
    assert importlib.util.find_spec("grader") is None
    assert importlib.util.find_spec("cli") is None


def test_command_is_declared():
    scripts = importlib.metadata.distribution("handwrite").entry_points
    assert any(e.name == "handwrite" and e.value == "handwrite.cli:main" for e in scripts)


def test_stubs_and_references_ship_with_the_package():
    for drill_id in registry.ids():
        assert registry.stub_path(drill_id).is_file()
        assert registry.reference_path(drill_id).is_file()
