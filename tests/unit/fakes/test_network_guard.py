"""The guard refuses non-loopback connections and lets loopback through."""

from __future__ import annotations

import socket

import pytest


def test_non_loopback_connection_fails_the_test() -> None:
    with socket.socket() as sock, pytest.raises(AssertionError, match="only loopback"):
        sock.connect(("192.0.2.10", 80))


def test_loopback_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())
