"""A milter (Sendmail milter protocol v6, as Postfix speaks it) in the test process, for fault
injection at the world's provider: it answers every step with "continue" and the end of the
message with "accept", unless a rule says to stall a step (hold the answer for some seconds,
then continue). Standard library only.

    m = StallMilter()                      # listens on 127.0.0.1, m.port
    m.rule = {"stage": "rcpt", "seconds": 5}                       # every RCPT TO waits 5 s
    m.rule = {"stage": "eom", "seconds": 5, "message_id": "<x@y>"}  # that message's end of data
    m.rule = None                           # pass everything
"""
import socket
import struct
import threading
import time

# Commands from the MTA (libmilter's mfdef.h) and our replies.
OPTNEG, MACRO, CONNECT, HELO, MAIL, RCPT, DATA, HEADER, EOH, BODY, EOM, ABORT, QUIT, QUIT_NC, UNKNOWN = \
    b"O", b"D", b"C", b"H", b"M", b"R", b"T", b"L", b"N", b"B", b"E", b"A", b"Q", b"K", b"U"
CONTINUE, ACCEPT = b"c", b"a"
STAGES = {CONNECT: "connect", HELO: "helo", MAIL: "mail", RCPT: "rcpt", DATA: "data", HEADER: "header",
          EOH: "eoh", BODY: "body", EOM: "eom", UNKNOWN: "unknown"}


class StallMilter:
    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.rule = None
        self.stalled = []  # (stage, message_id) of every stall, for the test's log
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def spec(self):
        return f"inet:127.0.0.1:{self.port}"

    def close(self):
        self.sock.close()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    @staticmethod
    def _send(conn, cmd, data=b""):
        conn.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def _serve(self, conn):
        message_id = None
        try:
            while True:
                length = struct.unpack(">I", self._read(conn, 4))[0]
                packet = self._read(conn, length)
                cmd, data = packet[:1], packet[1:]
                if cmd == OPTNEG:
                    # Version 6, no modifications, every step sent and answered.
                    self._send(conn, OPTNEG, struct.pack(">III", 6, 0, 0))
                elif cmd in (MACRO, ABORT):
                    if cmd == ABORT:
                        message_id = None
                elif cmd == QUIT:
                    return
                elif cmd == QUIT_NC:
                    message_id = None
                elif cmd in STAGES:
                    if cmd == HEADER:
                        name, _, value = data.partition(b"\0")
                        if name.lower() == b"message-id":
                            message_id = value.rstrip(b"\0").decode(errors="replace").strip()
                    self._maybe_stall(STAGES[cmd], message_id)
                    self._send(conn, ACCEPT if cmd == EOM else CONTINUE)
                    if cmd == EOM:
                        message_id = None
        except (EOFError, OSError):
            pass
        finally:
            conn.close()

    def _maybe_stall(self, stage, message_id):
        rule = self.rule
        if not rule or rule["stage"] != stage:
            return
        if rule.get("message_id") and rule["message_id"] != message_id:
            return
        self.stalled.append((stage, message_id))
        time.sleep(rule["seconds"])
