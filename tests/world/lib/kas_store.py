"""State of one provider's test KAS: stored objects, quotas, test settings.

Objects live as files under <state>/objects/<id>.bin with their metadata in
<id>.json (so a restarted KAS still serves them until they expire). Uploads
are written to <state>/incoming/ first and renamed when complete. The test
settings (injected failures, quota overrides, limits) and the request log
live only in memory: a restart is a reset.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

IV_LEN = 12                 # AES-GCM IV in front of the ciphertext (kim-admin-and-kas.md §8)
REQUEST_LOG_LEN = 200
OPS = ("add", "get", "head", "delete", "limit", "serviceinfo")


@dataclass
class StoredObject:
    id: str
    size: int
    uploader: str
    recipients: list[str]
    message_id: str
    expires: float            # Unix time
    expires_header: str       # the form field as received
    created: float
    downloads: dict[str, int] = field(default_factory=dict)   # recipient (lower case) -> count
    deleted: bool = False
    expired: bool = False
    corrupted: bool = False

    def view(self) -> dict:
        d = asdict(self)
        d["downloads_total"] = sum(self.downloads.values())
        return d


@dataclass
class Fault:
    remaining: int
    status: int | None        # None: answer normally after the delay
    delay: float
    message: str


class Store:
    def __init__(self, state_dir: Path, mailboxes: dict[str, dict], max_size: int, max_downloads: int):
        self.dir = state_dir
        self.objects_dir = state_dir / "objects"
        self.incoming_dir = state_dir / "incoming"
        for d in (self.objects_dir, self.incoming_dir):
            d.mkdir(parents=True, exist_ok=True)
        # Half-written uploads of a killed process are never served.
        for f in self.incoming_dir.iterdir():
            f.unlink()
        self.mailboxes = {k.lower(): v for k, v in mailboxes.items()}
        self.default_max_size = max_size
        self.default_max_downloads = max_downloads
        self.lock = threading.Lock()
        self.objects: dict[str, StoredObject] = {}
        self.requests: list[dict] = []
        self._reset_settings()
        self._load()

    def _reset_settings(self) -> None:
        self.max_size = self.default_max_size
        self.max_downloads = self.default_max_downloads
        self.faults: dict[str, Fault] = {}
        self.remain_set: dict[str, tuple[int, int]] = {}   # mailbox -> (remain at set time, used at set time)

    # --- persistence -------------------------------------------------------------
    def _load(self) -> None:
        for meta in self.objects_dir.glob("*.json"):
            try:
                o = StoredObject(**json.loads(meta.read_text()))
            except (OSError, ValueError, TypeError):
                continue
            self.objects[o.id] = o
        self.cleanup()

    def _save(self, o: StoredObject) -> None:
        tmp = self.objects_dir / f"{o.id}.json.tmp"
        tmp.write_text(json.dumps(asdict(o)))
        tmp.replace(self.objects_dir / f"{o.id}.json")

    def data_path(self, oid: str) -> Path:
        return self.objects_dir / f"{oid}.bin"

    def _drop_data(self, o: StoredObject) -> None:
        try:
            self.data_path(o.id).unlink()
        except FileNotFoundError:
            pass

    # --- mailboxes and quota ------------------------------------------------------
    def mailbox(self, address: str) -> dict | None:
        return self.mailboxes.get(address.lower())

    def _used(self, uploader: str) -> int:
        return sum(o.size for o in self.objects.values()
                   if o.uploader.lower() == uploader.lower() and self._live(o))

    def quota(self, address: str) -> tuple[int, int]:
        """(quota, remainQuota) in bytes; -1 = unlimited."""
        with self.lock:
            return self._quota(address)

    def _quota(self, address: str) -> tuple[int, int]:
        box = self.mailbox(address) or {}
        total = int(box.get("quota", -1))
        used = self._used(address)
        if address.lower() in self.remain_set:
            at_set, used_then = self.remain_set[address.lower()]
            return total, -1 if at_set == -1 else max(0, at_set - (used - used_then))
        return total, -1 if total == -1 else max(0, total - used)

    def set_remain(self, address: str, remain: int) -> None:
        with self.lock:
            self.remain_set[address.lower()] = (remain, self._used(address))

    # --- objects ----------------------------------------------------------------------
    def new_upload(self) -> tuple[str, Path]:
        oid = str(uuid.uuid4())
        return oid, self.incoming_dir / f"{oid}.part"

    def commit(self, o: StoredObject, part: Path) -> None:
        part.replace(self.data_path(o.id))
        with self.lock:
            self.objects[o.id] = o
            self._save(o)

    def _live(self, o: StoredObject) -> bool:
        if o.deleted:
            return False
        if not o.expired and time.time() >= o.expires:
            o.expired = True
            self._drop_data(o)
            self._save(o)
        return not o.expired

    def find_live(self, oid: str) -> StoredObject | None:
        with self.lock:
            o = self.objects.get(oid)
            return o if o is not None and self._live(o) else None

    def count_download(self, o: StoredObject, recipient: str) -> bool:
        """Count one download; False if the recipient has used up max_downloads."""
        with self.lock:
            n = o.downloads.get(recipient.lower(), 0)
            if n >= self.max_downloads:
                return False
            o.downloads[recipient.lower()] = n + 1
            self._save(o)
            return True

    def downloads_left(self, o: StoredObject, recipient: str) -> bool:
        with self.lock:
            return o.downloads.get(recipient.lower(), 0) < self.max_downloads

    def delete(self, o: StoredObject) -> None:
        with self.lock:
            o.deleted = True
            self._drop_data(o)
            self._save(o)

    def expire(self, oid: str) -> bool:
        with self.lock:
            o = self.objects.get(oid)
            if o is None:
                return False
            o.expires = time.time()
            self._live(o)
            return True

    def corrupt(self, oid: str) -> bool:
        """Flip one bit of the first byte after the IV: the GCM tag check must fail."""
        with self.lock:
            o = self.objects.get(oid)
            if o is None or not self._live(o) or o.size <= IV_LEN:
                return False
            with open(self.data_path(oid), "r+b") as f:
                f.seek(IV_LEN)
                b = f.read(1)
                f.seek(IV_LEN)
                f.write(bytes([b[0] ^ 0x01]))
            o.corrupted = True
            self._save(o)
            return True

    def cleanup(self) -> None:
        """Remove the files of expired objects (and of deleted ones left behind)."""
        with self.lock:
            for o in self.objects.values():
                if self._live(o):
                    continue
                self._drop_data(o)

    def listing(self) -> list[dict]:
        with self.lock:
            for o in self.objects.values():
                self._live(o)
            return [o.view() for o in sorted(self.objects.values(), key=lambda x: x.created)]

    def reset(self) -> None:
        with self.lock:
            for o in self.objects.values():
                self._drop_data(o)
                try:
                    (self.objects_dir / f"{o.id}.json").unlink()
                except FileNotFoundError:
                    pass
            self.objects.clear()
            self.requests.clear()
            self._reset_settings()

    # --- injected failures and the request log ------------------------------------------
    def set_fault(self, op: str, count: int, status: int | None, delay: float, message: str) -> None:
        with self.lock:
            if count <= 0:
                self.faults.pop(op, None)
            else:
                self.faults[op] = Fault(count, status, delay, message)

    def take_fault(self, op: str) -> Fault | None:
        with self.lock:
            f = self.faults.get(op)
            if f is None:
                return None
            f.remaining -= 1
            if f.remaining <= 0:
                del self.faults[op]
            return Fault(1, f.status, f.delay, f.message)

    def log_request(self, entry: dict) -> None:
        with self.lock:
            self.requests.append(entry)
            del self.requests[:-REQUEST_LOG_LEN]

    def settings(self) -> dict:
        with self.lock:
            return {"max_size": self.max_size, "max_downloads": self.max_downloads,
                    "faults": {k: asdict(v) for k, v in self.faults.items()},
                    "remain_quota_set": {k: v[0] for k, v in self.remain_set.items()}}


def cleaner(store: Store, period: float, stop: threading.Event) -> None:
    while not stop.wait(period):
        store.cleanup()

