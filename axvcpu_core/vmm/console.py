"""The guest console: bytes out to a stream (stdout by default), queued bytes in."""

from __future__ import annotations

import collections
import sys
import threading
from typing import BinaryIO


class Console:
    """Guest console output and non-blocking input."""

    def __init__(self, out: BinaryIO | None = None, echo: bool = True) -> None:
        self._out = out if out is not None else sys.stdout.buffer
        self._echo = echo
        self._input: collections.deque[int] = collections.deque()
        self._lock = threading.Lock()
        self.output = bytearray()
        """Everything the guest wrote (kept for tests and summaries)."""

    def write(self, data: bytes) -> int:
        """Write guest bytes; returns how many were written."""
        self.output += data
        if self._echo:
            self._out.write(data)
            self._out.flush()
        return len(data)

    def feed(self, data: bytes) -> None:
        """Queue input bytes for the guest."""
        with self._lock:
            self._input.extend(data)

    def read(self, max_bytes: int) -> bytes:
        """Up to `max_bytes` queued input bytes (b"" when none)."""
        with self._lock:
            count = min(max_bytes, len(self._input))
            return bytes(self._input.popleft() for _ in range(count))

    @property
    def has_input(self) -> bool:
        """Whether input is waiting."""
        return bool(self._input)

    def start_stdin_reader(self) -> None:
        """Feed stdin to the guest from a daemon thread (interactive use)."""

        def pump() -> None:
            stream = sys.stdin.buffer
            while chunk := stream.read1(256) if hasattr(stream, "read1") else stream.read(1):
                self.feed(chunk)

        threading.Thread(target=pump, name="axvcpu-stdin", daemon=True).start()
