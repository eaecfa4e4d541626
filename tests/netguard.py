"""Refuse every network socket (AF_INET/AF_INET6) in this process.

Used by the session-wide fixture and by CLI subprocesses in tests, so that any code
path that tries to reach the network fails loudly instead of silently succeeding.
Unix-domain sockets (local IPC) stay allowed.
"""

import socket

_real_socket = socket.socket


class NetworkBlocked(RuntimeError):
    pass


class GuardedSocket(_real_socket):
    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        fam = socket.AF_INET if family == -1 else family
        if fam in (socket.AF_INET, socket.AF_INET6) and fileno is None:
            raise NetworkBlocked(f"network socket attempted (family {fam})")
        super().__init__(family, type, proto, fileno)


def _blocked(*args, **kwargs):
    raise NetworkBlocked(f"network connection attempted: {args[:1]}")


def install() -> None:
    socket.socket = GuardedSocket
    socket.create_connection = _blocked
    socket.getaddrinfo = _blocked


def uninstall() -> None:
    socket.socket = _real_socket
