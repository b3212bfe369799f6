"""R7 of ../shared/benchmarks.md: the soak. Ten minutes (--quick: 20 s) of mixed mails through one
kimgated at half the S2 rate of the same run (10 msg/s when S2 did not run): 90 % 10 KB, 9 % 1 MB
and 1 % 15 MiB (the largest mail that does not go through the KAS), with the local Konnektor
failing 1 % of its operations. Before the soak a warm-up of the same load fills caches, pools and
the allocator's arenas; RSS and descriptors are read after a quiet spell of 35 s (--quick: 2 s) on
either side, so kimgated's heap trimmer (every 30 s) has run both times. Rows: RSS drift (<= 1 MiB),
descriptor change (0), and the error replies that were not 4xx (0: a Konnektor failure is
temporary, the PVS must hear 451 and may retry)."""
import asyncio
import time

import loadgen

SMALL, MEDIUM, LARGE = 10240, 1 << 20, loadgen.LARGEST_PLAIN


def size_of(i):
    """The i-th mail's size: of every 100, the last is 15 MiB, every tenth otherwise 1 MB."""
    k = i % 100
    if k == 99:
        return LARGE
    return MEDIUM if k % 10 == 9 else SMALL


class Soak:
    def __init__(self, ctx, d, rate):
        self.ctx, self.d, self.rate = ctx, d, rate
        self.i, self.replies, self.by_size, self.series = 0, {}, {}, []
        self.t0 = time.monotonic()

    def run_for(self, seconds):
        start, start_i = time.monotonic(), self.i
        while time.monotonic() - start < seconds:
            size = size_of(self.i)
            count = 1
            while count < 8 and size == SMALL and size_of(self.i + count) == SMALL:
                count += 1
            load = self.ctx.smtp_load(self.d, count, min(2, count), size=size, reuse=True)
            asyncio.run(load.run())
            for code, n in load.replies.items():
                self.replies[code] = self.replies.get(code, 0) + n
            self.by_size[size] = self.by_size.get(size, 0) + count
            self.i += count
            self.series.append((round(time.monotonic() - self.t0, 1), self.d.stats.rss_kib()))
            ahead = start + (self.i - start_i) / self.rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)

    def quiet(self, seconds):
        time.sleep(seconds)
        self.series.append((round(time.monotonic() - self.t0, 1), self.d.stats.rss_kib()))
        return self.d.stats.rss_kib(), self.d.stats.fds()


def r7(ctx, row, limit_row):
    soak_s, warm_s, quiet_s = (20, 5, 2) if ctx.quick else (600, 60, 35)
    s2 = ctx.cache.get("s2_rate")
    rate = round(0.5 * s2, 1) if s2 else 10.0
    d = ctx.daemon("p12", error_permille=10)
    soak = Soak(ctx, d, rate)
    soak.run_for(warm_s)
    rss0, fds0 = soak.quiet(quiet_s)
    replies_warm = dict(soak.replies)
    soak.replies, soak.by_size = {}, {}
    t = time.monotonic()
    soak.run_for(soak_s)
    ran = time.monotonic() - t
    rss1, fds1 = soak.quiet(quiet_s)
    ctx.series["rss:R7 soak"] = soak.series
    sent = sum(soak.by_size.values())
    ok = soak.replies.get(250, 0)
    not_4xx = {c: n for c, n in soak.replies.items() if c != 250 and not (isinstance(c, int) and 400 <= c < 500)}
    mix = ", ".join(f"{n} x {s // 1024} KiB" for s, n in sorted(soak.by_size.items()))
    detail = (f"{sent} mails in {ran:.0f} s at {sent / ran:.1f} msg/s (aimed at {rate}: half of S2's "
              f"{s2 if s2 else 'rate (S2 not run: 20 assumed)'}); {mix}; replies {soak.replies} "
              f"(warm-up {replies_warm}); RSS {rss0} -> {rss1} KiB, descriptors {fds0} -> {fds1}")
    return [limit_row("R7", f"RSS drift over a {soak_s} s soak", round((rss1 - rss0) / 1024, 2), "MiB", 1,
                      detail=detail),
            limit_row("R7", "descriptor change after the soak", fds1 - fds0, "fds", 0),
            limit_row("R7", "error replies that are not 4xx", sum(not_4xx.values()), "replies", 0,
                      detail=f"{ok} x 250, {sent - ok} others: {soak.replies}")]
