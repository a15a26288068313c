"""Typed errors: the axerrno codes every failure in the project is reported with."""

from __future__ import annotations

import enum


class AxErrorKind(enum.IntEnum):
    """The axerrno error codes (same names and numbers as the Rust crate)."""

    AlreadyExists = 1
    WouldBlock = 2
    BadAddress = 3
    BadFileDescriptor = 4
    BadState = 5
    ConnectionRefused = 6
    ConnectionReset = 7
    DirectoryNotEmpty = 8
    InvalidData = 9
    InvalidInput = 10
    Io = 11
    IsADirectory = 12
    NoMemory = 13
    NotADirectory = 14
    NotConnected = 15
    NotFound = 16
    PermissionDenied = 17
    ResourceBusy = 18
    StorageFull = 19
    Timeout = 20
    UnexpectedEof = 21
    Unsupported = 22
    WriteZero = 23


class AxError(Exception):
    """An error with an axerrno kind and a message that says what went wrong and what to do."""

    def __init__(self, kind: AxErrorKind, message: str) -> None:
        super().__init__(f"{kind.name}: {message}")
        self.kind = kind
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """The JSON form used by the CLI: `{"kind": ..., "message": ...}`."""
        return {"kind": self.kind.name, "message": self.message}
