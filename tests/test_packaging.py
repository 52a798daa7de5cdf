"""handwrite installs as one package with a `handwrite` command, and nothing else."""

import importlib.metadata
import importlib.util
import os
import site

from handwrite.grader import registry


def test_only_the_handwrite_package_is_installed():
    for site_dir in site.getsitepackages():
        names = set(os.listdir(site_dir)) if os.path.isdir(site_dir) else set()
        assert not {"grader", "cli.py", "drills", "solutions", "examples"} & names, site_dir
    for name in ("grader", "cli"):  # (`python -m pytest` puts the checkout itself on sys.path)
        spec = importlib.util.find_spec(name)
        assert spec is None or not any(spec.origin.startswith(d) for d in site.getsitepackages())
    assert importlib.util.find_spec("handwrite.grader") is not None


def test_command_is_declared():
    scripts = importlib.metadata.distribution("handwrite").entry_points
    assert any(e.name == "handwrite" and e.value == "handwrite.cli:main" for e in scripts)


def test_stubs_and_references_ship_with_the_package():
    for drill_id in registry.ids():
        assert registry.stub_path(drill_id).is_file()
        assert registry.reference_path(drill_id).is_file()
