"""A warm process to fork sandboxes from, so that re-grading pays no torch import.

Watch mode grades again on every save. The zygote is forked once, before any reference is
imported, and has torch imported and the meta device warmed; each sandbox is then forked from
it in a few milliseconds. The parent hands it the sandbox's pipes over a Unix socket
(SCM_RIGHTS); the zygote forks, says the pid, and later reports the exit status it reaped.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import threading

from .sandbox import INTERNAL_ERROR, fork_child
from .torchfast import warm_meta_device


class Zygote:
    """The parent's handle on the zygote process."""

    def __init__(self):
        ours, theirs = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:
            code = INTERNAL_ERROR
            try:
                ours.close()
                _serve(theirs)
                code = 0
            finally:
                os._exit(code)
        theirs.close()
        self._sock = ours
        self._lock = threading.Lock()  # one spawn request at a time
        self._news = threading.Condition()
        self._pids: list[int] = []  # spawned, not yet claimed by spawn()
        self._statuses: dict[int, int] = {}  # pid -> wait status, as reaped by the zygote
        threading.Thread(target=self._listen, daemon=True).start()

    def spawn(self, fds: tuple[int, int, int]) -> int:
        """Fork a sandboxed child serving ``fds`` (see sandbox.fork_child); returns its pid."""
        with self._lock:
            socket.send_fds(self._sock, [b"spawn"], list(fds))
            with self._news:
                if not self._news.wait_for(lambda: self._pids, timeout=10):
                    raise RuntimeError("the zygote process stopped answering")
                return self._pids.pop(0)

    def status(self, pid: int, timeout: float) -> int | None:
        """The child's wait status once the zygote has reaped it, or None after ``timeout``."""
        with self._news:
            self._news.wait_for(lambda: pid in self._statuses, timeout=timeout)
            return self._statuses.pop(pid, None)

    def close(self) -> None:
        self._sock.shutdown(socket.SHUT_RDWR)  # the zygote sees end of file and exits
        self._sock.close()
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass

    def _listen(self) -> None:
        with self._sock.makefile("r") as lines:
            for line in lines:
                word, *numbers = line.split()
                with self._news:
                    if word == "pid":
                        self._pids.append(int(numbers[0]))
                    elif word == "exit":
                        self._statuses[int(numbers[0])] = int(numbers[1])
                    self._news.notify_all()


def _serve(sock: socket.socket) -> None:
    """The zygote's life: warm up, then fork a sandbox per request until the parent leaves."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the parent
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # A child's exit wakes the loop at once (SIGCHLD through a pipe), so its status reaches
    # the parent without a polling delay.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    warm_meta_device()
    while True:
        readable, _, _ = select.select([sock, wake_r], [], [])
        if wake_r in readable:
            os.read(wake_r, 512)
        _reap(sock)
        if sock not in readable:
            continue
        message, fds, _, _ = socket.recv_fds(sock, 16, 3)
        if not message:
            return  # the parent closed the socket
        pid = fork_child(tuple(fds), warm_meta=False, close=(sock.fileno(), wake_r, wake_w))
        for fd in fds:
            os.close(fd)  # the child has them; holding a write end would hide its end of file
        sock.sendall(f"pid {pid}\n".encode())


def _reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return
        sock.sendall(f"exit {pid} {status}\n".encode())
