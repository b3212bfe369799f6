"""What arrived where: the Message-IDs in a participant's provider mailbox, the DSNs in the
sender's mailbox, and the ledger of the reliability tests — every mail the PVS got 250 for is
in each recipient's mailbox or named in a DSN, else it is lost. Standard library only."""
import email
import email.policy
import os

from harness import provider_mailbox, retrieve, wait_until


def queue_files(w):
    """Messages still in the world's Postfix queues (both providers): 0 once all is delivered."""
    n = 0
    for fd in w["providers"].values():
        for sub in ("maildrop", "incoming", "active", "deferred", "hold"):
            for _, _, files in os.walk(os.path.join(fd["postfix_queue_dir"], sub)):
                n += len(files)
    return n


def wait_for_queues(w, deadline_s=120):
    """Waits until both providers have delivered (or bounced) everything they accepted."""
    return wait_until(lambda: queue_files(w) == 0, deadline_s, 0.2)


def scan(w, p, wanted, delete=False, report_bodies=False):
    """p's provider mailbox: {message_id: count} for the Message-IDs in `wanted`, and — with
    report_bodies — the raw bytes of every multipart/report message that names one of them.
    With delete, those messages are deleted (committed by QUIT)."""
    counts, reports = {}, []
    box = provider_mailbox(w, p, timeout=120)
    try:
        for n in range(1, box.stat()[0] + 1):
            head = b"\r\n".join(box.top(n, 0)[1])
            msg = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.compat32)
            mid = (msg["Message-ID"] or "").strip()
            hit = mid in wanted
            if hit:
                counts[mid] = counts.get(mid, 0) + 1
            if report_bodies and msg.get_content_type() == "multipart/report":
                raw = retrieve(box, n)
                if any(m.encode() in raw for m in wanted):
                    reports.append(raw)
                    hit = True
            if delete and hit:
                box.dele(n)
    finally:
        box.quit()
    return counts, reports


def parse_dsn(raw):
    """A DSN (RFC 3464) as a dict: header fields, and per Final-Recipient its Action, Status and
    Diagnostic-Code."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    out = {"raw": raw, "message_id": (msg["Message-ID"] or "").strip(),
           "codes": msg.get_all("X-KIM-Fehlermeldung") or [], "content_type": msg.get_content_type(),
           "report_type": msg.get_param("report-type"), "recipients": {}}
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload():
            final = block.get("Final-Recipient")
            if final:
                addr = final.split(";", 1)[-1].strip().lower()
                out["recipients"][addr] = {"action": (block.get("Action") or "").strip(),
                                           "status": (block.get("Status") or "").strip(),
                                           "diagnostic": " ".join((block.get("Diagnostic-Code") or "").split())}
    return out


def dsns_naming(dsns, message_id):
    """The parsed DSNs that name message_id."""
    return [d for d in dsns if message_id.encode() in d["raw"]]


def lost_mails(entries, delivered, dsns):
    """entries: [(message_id, [recipient addresses], pvs_code)]; delivered: {address: {message_id: n}}.
    Returns [(message_id, address)] for every mail the PVS got 250 for whose recipient neither
    received it nor is named in a DSN that names the mail."""
    lost = []
    for mid, rcpts, code in entries:
        if code != 250:
            continue
        named = set()
        for d in dsns_naming(dsns, mid):
            named |= set(d["recipients"])
        for addr in rcpts:
            if delivered.get(addr.lower(), {}).get(mid, 0) == 0 and addr.lower() not in named:
                lost.append((mid, addr))
    return lost
