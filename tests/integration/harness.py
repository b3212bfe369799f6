"""Shared helpers for the integration tests: free ports, a NOTIFY_SOCKET listener,
kimgated as a child process, and small assertion helpers. Standard library only."""
import os
import socket
import subprocess
import tempfile
import time


class Failures:
    """Collects check results so that one run reports every failed expectation."""

    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, condition, what):
        if condition:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed.append(what)
            print(f"FAIL {what}", flush=True)
        return condition

    def finish(self):
        print(f"{self.passed} passed, {len(self.failed)} failed")
        return 0 if not self.failed else 1


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class NotifySocket:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []

    def wait_for(self, key, deadline_s=30):
        """Waits until a datagram carries KEY (e.g. 'READY=1'); returns that datagram."""
        end = time.monotonic() + deadline_s
        for m in self.messages:
            if key in m.split("\n"):
                self.messages.remove(m)
                return m
        while time.monotonic() < end:
            self.sock.settimeout(max(0.05, end - time.monotonic()))
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            if key in data.split("\n"):
                return data
            self.messages.append(data)
        return None


def write_config(directory, text):
    path = os.path.join(directory, "kimgate.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


def wait_until(predicate, deadline_s=30, interval_s=0.05):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()


def tempdir():
    return tempfile.mkdtemp(prefix="kimgate-it-")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)


def stop(proc, log):
    """Stops a daemon started with Popen (SIGTERM, wait) and closes its log file."""
    if proc.poll() is None:
        proc.terminate()
    proc.wait(timeout=30)
    log.close()
