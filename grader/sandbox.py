"""The parent's side of the sandbox: fork a child, send it a job, gather what comes back.

Children are forked from a process that has imported torch but no reference solution, so a
check pays one torch import and the attempt never shares a process with the answers.
"""

from __future__ import annotations

import io
import os
import pickle
import queue
import signal
import struct
import traceback
import tempfile
import threading
import time
from dataclasses import dataclass, field

import torch

from . import child

INTERNAL_ERROR = 70  # a child's exit status when handwrite itself failed (EX_SOFTWARE)
DEFAULT_TIMEOUT_S = float(os.environ.get("HANDWRITE_TIMEOUT", "5"))
MEMORY_HEADROOM = 2 << 30  # bytes the attempt may allocate beyond what torch already uses
CPU_BACKSTOP_S = 120  # CPU seconds, should the parent die without killing the child


@dataclass
class Outcome:
    """Everything one child sent, and how it ended."""

    frames: list = field(default_factory=list)
    ended: str = "done"  # done, timeout, exit (code), signal (number)
    code: int = 0
    output: str = ""


class Sandbox:
    """One forked child that will run one attempt file, as the job it is sent says."""

    def __init__(self, warm_meta: bool = False, zygote=None):
        """Fork now, from this process or else from ``zygote`` (a warm process that keeps
        torch imported between gradings). ``warm_meta``: the child warms torch's meta device
        while it waits (a zygote's children inherit its warm one)."""
        self._capture = tempfile.TemporaryFile()
        job_r, self._job_w = os.pipe()
        self._result_r, result_w = os.pipe()
        fds = (job_r, result_w, self._capture.fileno())
        self._zygote = zygote
        if zygote is None:
            self.pid = fork_child(fds, warm_meta, close=(self._job_w, self._result_r))
        else:
            self.pid = zygote.spawn(fds)
        os.close(job_r)
        os.close(result_w)
        try:
            os.setpgid(self.pid, self.pid)
        except OSError:  # the child already did it, already died, or is the zygote's: all fine
            pass
        self._frames: queue.Queue = queue.Queue()
        self._deadline = float("inf")

    @classmethod
    def take(cls, warm_meta: bool = False) -> "Sandbox":
        """A sandbox started ahead by ``prestart``, if one waits; else a new one."""
        return _prestarted.pop() if _prestarted else cls(warm_meta)

    def send(self, attempt_path: str, job: dict, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        """Hand the child the file and its job; it has ``timeout_s`` seconds from now."""
        data = pickle.dumps({**job, "path": attempt_path}, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            os.write(self._job_w, struct.pack("<Q", len(data)))
            view = memoryview(data)
            while view:
                view = view[os.write(self._job_w, view):]
        except BrokenPipeError:  # the child died before reading: collect() says why
            pass
        os.close(self._job_w)
        self._deadline = time.monotonic() + timeout_s
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        """Read frames as they come, so a child never blocks on a full pipe."""
        with os.fdopen(self._result_r, "rb") as pipe:
            while header := pipe.read(8):
                data = pipe.read(struct.unpack("<Q", header)[0])
                try:  # weights_only: the child's bytes can hold tensors and plain data, no code
                    self._frames.put(torch.load(io.BytesIO(data), weights_only=True))
                except Exception:  # noqa: BLE001 - a garbled frame ends the conversation
                    break
        self._frames.put(None)

    def collect(self) -> Outcome:
        """Wait for the child to finish, or kill its whole process group at the deadline."""
        outcome = Outcome()
        while True:
            try:
                frame = self._frames.get(timeout=max(0.0, self._deadline - time.monotonic()))
            except queue.Empty:
                outcome.ended = "timeout"
                self.kill()
                break
            if frame is None:
                break
            outcome.frames.append(frame)
            if frame[0] == "done":
                break
        status = self._wait(outcome.ended == "timeout")
        if outcome.ended != "timeout" and (not outcome.frames or outcome.frames[-1][0] != "done"):
            if os.WIFSIGNALED(status):
                signum = os.WTERMSIG(status)
                outcome.ended = "timeout" if signum == signal.SIGXCPU else "signal"
                outcome.code = signum
            else:
                outcome.ended, outcome.code = "exit", os.WEXITSTATUS(status)
        outcome.output = self._read_output()
        return outcome

    def _wait(self, killed: bool) -> int:
        """The child's exit status (its parent, this process or the zygote, reaps it)."""
        if self._zygote is not None:
            status = self._zygote.status(self.pid, timeout=5 if killed else 2)
            if status is None:
                self.kill()
                status = self._zygote.status(self.pid, timeout=5)
            return 0 if status is None else status
        deadline = time.monotonic() + (5 if killed else 2)
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return status
            time.sleep(0.002)
        self.kill()
        return os.waitpid(self.pid, 0)[1]

    def kill(self) -> None:
        """Kill the child and everything it started (its own process group)."""
        for kill in (os.killpg, os.kill):  # os.kill: the group may not exist yet
            try:
                kill(self.pid, signal.SIGKILL)
                return
            except (ProcessLookupError, PermissionError):
                pass

    def _read_output(self) -> str:
        self._capture.seek(0)
        text = self._capture.read(4096).decode("utf-8", "replace")
        self._capture.close()
        return text


def fork_child(fds: tuple[int, int, int], warm_meta: bool, close: tuple[int, ...] = ()) -> int:
    """Fork a sandboxed child that serves one job over ``fds`` (job in, results out, output
    capture); returns its pid. The child closes ``close`` (the parent's pipe ends) first."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = INTERNAL_ERROR
        try:
            for fd in close:
                os.close(fd)
            limits = {"memory": MEMORY_HEADROOM, "cpu_seconds": CPU_BACKSTOP_S}
            child.main(*fds, limits, warm_meta)
            code = 0
        except BaseException:  # noqa: BLE001 - our own bug: say where, then exit with 70
            traceback.print_exc()
        finally:
            os._exit(code)
    return pid


_prestarted: list[Sandbox] = []


def prestart() -> None:
    """Fork a meta-warming sandbox now, for the next grading to ``take``.

    The device check's sandbox spends ~0.3 s warming torch's meta device; a command line that
    knows it will grade starts it first thing, so the warm-up overlaps the rest of start-up.
    Unused, it dies with its parent.
    """
    _prestarted.append(Sandbox(warm_meta=True))
