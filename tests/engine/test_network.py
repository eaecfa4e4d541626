"""Nothing in Enclave opens a network socket."""

import socket

import pytest
from cli_runner import run_cli
from netguard import NetworkBlocked


def test_guard_refuses_network_sockets_in_tests():
    with pytest.raises(NetworkBlocked):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("127.0.0.1", 9))


def test_guard_allows_local_ipc():
    a, b = socket.socketpair(socket.AF_UNIX)
    a.close()
    b.close()


def test_commands_run_with_network_refused(model_data_dir, tmp_path):
    # The guard makes any socket attempt raise inside the command: success means none was made.
    for args in (["doctor", "--json"], ["setup", "--json"], ["tour", "--out", str(tmp_path / "t")],
                 ["models", "verify"], ["history", "search", "chest"]):
        proc = run_cli(*args, "--data-dir", str(model_data_dir))
        assert proc.returncode == 0, (args, proc.stderr)
        assert "NetworkBlocked" not in proc.stderr
