"""Reading a sandboxed process's pipes: every stream at once, each up to a cap.

Output past a cap is dropped and flagged so the caller can kill the run instead of
buffering without end.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import time
from collections.abc import Mapping


class StreamPump:
    """Reads several pipes at once, each up to a cap, and feeds one pipe's input.

    Output past a cap is dropped and flagged (``overflow``) so the caller can kill the
    program instead of buffering without end. Descriptors added with ``watch`` are not
    read: their readiness is returned to the caller (the warm pool's control socket).
    """

    def __init__(self, caps: Mapping[int, int], stdin: tuple[int, bytes] | None = None) -> None:
        self._sel = selectors.DefaultSelector()
        self.buffers: dict[int, bytearray] = {fd: bytearray() for fd in caps}
        self._caps = dict(caps)
        self.overflow = False
        self.overflowed: set[int] = set()
        self._reading = set(caps)
        for fd in caps:
            os.set_blocking(fd, False)
            self._sel.register(fd, selectors.EVENT_READ)
        self._stdin_fd: int | None = None
        self._stdin = memoryview(b"")
        if stdin is not None:
            self._stdin_fd, data = stdin
            self._stdin = memoryview(data)
            os.set_blocking(self._stdin_fd, False)
            self._sel.register(self._stdin_fd, selectors.EVENT_WRITE)
            if not data:
                self._close_stdin()

    def watch(self, fd: int) -> None:
        self._sel.register(fd, selectors.EVENT_READ)

    def unwatch(self, fd: int) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._sel.unregister(fd)

    @property
    def reading(self) -> bool:
        """True while some output pipe has not reached end of file."""
        return bool(self._reading)

    def step(self, timeout: float) -> list[int]:
        """Wait up to ``timeout`` s, move the data that is ready; return ready watched fds."""
        ready: list[int] = []
        if not self._sel.get_map():
            time.sleep(max(0.0, timeout))
            return ready
        for key, _ in self._sel.select(timeout=max(0.0, timeout)):
            fd = int(key.fd)
            if fd == self._stdin_fd:
                self._feed()
            elif fd in self._reading:
                self._drain(fd)
            else:
                ready.append(fd)
        return ready

    def _feed(self) -> None:
        assert self._stdin_fd is not None
        try:
            written = os.write(self._stdin_fd, self._stdin[:65536])
        except BlockingIOError:
            return
        except OSError:  # the program closed its stdin or died: nothing more to give
            written = len(self._stdin)
        self._stdin = self._stdin[written:]
        if not self._stdin:
            self._close_stdin()

    def _close_stdin(self) -> None:
        assert self._stdin_fd is not None
        self.unwatch(self._stdin_fd)
        with contextlib.suppress(OSError):
            os.close(self._stdin_fd)
        self._stdin_fd = None

    def _drain(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._reading.discard(fd)
            self.unwatch(fd)
            return
        buf = self.buffers[fd]
        room = self._caps[fd] - len(buf)
        if len(chunk) > room:
            buf.extend(chunk[: max(0, room)])
            self.overflow = True
            self.overflowed.add(fd)
        else:
            buf.extend(chunk)

    def close(self) -> None:
        if self._stdin_fd is not None:
            self._close_stdin()
        self._sel.close()


