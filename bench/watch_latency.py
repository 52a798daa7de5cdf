"""Save-to-scorecard latency of watch mode, against a cold `handwrite check` in the same run.

    python bench/watch_latency.py [--saves 15]

Goal (issue 3): under 0.3 s for softmax. Watch mode forks each grading from a warm zygote,
so a re-grade pays no torch import; the ratio says what that saves.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from handwrite.grader import registry

WRONG = ("import torch\n\ndef softmax(x, dim=-1):\n"
         "    return torch.exp(x) / torch.exp(x).sum(dim, keepdim=True)\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=15)
    saves = parser.parse_args().saves
    handwrite = str(Path(sys.executable).with_name("handwrite"))
    right = registry.reference_path("softmax").read_text()
    with tempfile.TemporaryDirectory() as tmp:
        attempt = Path(tmp) / "softmax.py"
        attempt.write_text(right)
        env = {**os.environ, "HANDWRITE_HOME": tmp, "NO_COLOR": "1"}
        cold = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([handwrite, "check", "softmax"], env=env, capture_output=True)
            cold.append(time.perf_counter() - start)
        watcher = subprocess.Popen([handwrite, "watch", "softmax"], env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        graded: queue.Queue = queue.Queue()

        def read() -> None:  # a line per grading, under the scorecard: "⟳ graded 12:00:01 ..."
            for line in watcher.stdout:
                if "graded" in line:
                    graded.put(time.perf_counter())

        threading.Thread(target=read, daemon=True).start()
        graded.get(timeout=60)  # the first grading (it also warms the zygote)
        latencies = []
        for i in range(saves):
            time.sleep(0.3)  # a person's saves are seconds apart; don't pile them up
            saved = time.perf_counter()
            tmp_file = attempt.with_suffix(".tmp~")
            tmp_file.write_text(WRONG if i % 2 == 0 else right)
            tmp_file.replace(attempt)  # an atomic save, as editors do
            latencies.append(graded.get(timeout=30) - saved)
        watcher.terminate()
        watcher.wait()
    base, lat = statistics.median(cold), statistics.median(latencies)
    print(f"cold `handwrite check softmax`   median {base:.3f} s  ({len(cold)} runs)")
    print(f"watch: save to scorecard         median {lat:.3f} s  ({saves} saves, "
          f"max {max(latencies):.3f} s)")
    print(f"ratio                            {lat / base:.2f}x of a cold check")


if __name__ == "__main__":
    main()
