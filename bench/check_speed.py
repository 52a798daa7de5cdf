"""How long a check takes, as a ratio to `python -c "import torch"` timed in the same run.

    python bench/check_speed.py [--repeat 7]

Goals (issue 2): `handwrite check softmax` at most 1.5x an import of torch; `handwrite check`
of every drill at once at most 2.5x. Runs are interleaved and the median is reported, so a
noisy machine slows both sides alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from handwrite.grader import registry


def _time(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    handwrite = str(Path(sys.executable).with_name("handwrite"))
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        ws.mkdir()
        for drill_id in registry.ids():  # every drill attempted, with its reference
            shutil.copyfile(registry.reference_path(drill_id), ws / f"{drill_id}.py")
        env = {**os.environ, "HANDWRITE_HOME": str(ws), "NO_COLOR": "1"}
        commands = {
            "import torch": [sys.executable, "-c", "import torch"],
            "check softmax": [handwrite, "check", "softmax", "--file", str(ws / "softmax.py")],
            f"check all {len(registry.ids())}": [handwrite, "check"],
        }
        times = {name: [] for name in commands}
        for _ in range(repeat):
            for name, cmd in commands.items():
                times[name].append(_time(cmd, env))
    base = statistics.median(times["import torch"])
    print(f"{'command':<18} {'median s':>9} {'ratio':>7}   ({repeat} runs each, interleaved)")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"{name:<18} {median:>9.3f} {median / base:>6.2f}x")


if __name__ == "__main__":
    main()
