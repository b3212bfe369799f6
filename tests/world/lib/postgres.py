#!/usr/bin/env python3
"""A private PostgreSQL cluster from Debian's postgresql package, for tests that need a shared
tracking database (issue 20): initdb as the postgres system user (the server refuses root) in a
directory of its own, listening on 127.0.0.1:PORT and a socket in that directory, password
authentication for the role `kimgate` over TCP.

DIR's parents must be traversable by the postgres user (not under a 0700 directory).

  postgres.py start DIR PORT PASSWORD    # prints the libpq connection string (without the password)
  postgres.py stop DIR
  postgres.py run DIR PORT -- CMD...     # (PORT 0: a free one) start, run CMD with KIMGATE_TEST_POSTGRES=<conninfo> and
                                         # KIMGATE_TEST_POSTGRES_PASSWORD set, stop; CMD's exit status
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys


def bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise SystemExit("postgres.py: PostgreSQL is not installed (Debian package postgresql)")
    return os.path.dirname(found[-1])


def as_postgres(cmd, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--"] + cmd, check=True, **kw)


def start(directory, port, password):
    directory = os.path.abspath(directory)
    data = os.path.join(directory, "data")
    pw = pwd.getpwnam("postgres")
    if not os.path.isdir(data):
        os.makedirs(directory, exist_ok=True)
        os.chown(directory, pw.pw_uid, pw.pw_gid)
        pwfile = os.path.join(directory, "pw")
        with open(pwfile, "w") as f:
            f.write(password + "\n")
        os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        os.chmod(pwfile, 0o600)
        as_postgres([os.path.join(bindir(), "initdb"), "-D", data, "-U", "kimgate", "--pwfile", pwfile,
                     "-A", "scram-sha-256", "--auth-local", "trust", "-E", "UTF8", "--no-instructions"],
                    stdout=subprocess.DEVNULL)
        os.unlink(pwfile)
    as_postgres([os.path.join(bindir(), "pg_ctl"), "-D", data, "-l", os.path.join(directory, "postgres.log"),
                 "-w", "-t", "60", "-o", f"-p {port} -k {directory} -c listen_addresses=127.0.0.1", "start"],
                stdout=subprocess.DEVNULL)
    return f"host=127.0.0.1 port={port} dbname=postgres user=kimgate"


def stop(directory):
    data = os.path.join(os.path.abspath(directory), "data")
    if os.path.isdir(data):
        subprocess.run(["runuser", "-u", "postgres", "--", os.path.join(bindir(), "pg_ctl"), "-D", data, "-w",
                        "-m", "fast", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv):
    if len(argv) >= 4 and argv[0] == "start":
        print(start(argv[1], int(argv[2]), argv[3]))
        return 0
    if len(argv) == 2 and argv[0] == "stop":
        stop(argv[1])
        return 0
    if len(argv) >= 5 and argv[0] == "run" and argv[3] == "--":
        directory, port = argv[1], int(argv[2]) or free_port()
        shutil.rmtree(directory, ignore_errors=True)
        password = os.urandom(12).hex()
        try:
            conninfo = start(directory, port, password)
            env = dict(os.environ, KIMGATE_TEST_POSTGRES=conninfo, KIMGATE_TEST_POSTGRES_PASSWORD=password)
            return subprocess.run(argv[4:], env=env).returncode
        finally:
            stop(directory)
            shutil.rmtree(directory, ignore_errors=True)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
