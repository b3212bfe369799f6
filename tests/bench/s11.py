"""S11 (issue 20): throughput of two kimgated instances behind HAProxy against one instance
behind the same HAProxy, in the same run. Both instances use software keys (S2's pipeline) and
the bench sink as their provider; HAProxy (Debian's package) balances round robin in TCP mode
with send-proxy-v2, and 10 PVS sessions keep their connections. On this 2-core machine the two
instances share the cores that one instance already fills, so the honest goal is that the second
instance costs at most 10 % (ratio >= 0.9); on a machine with spare cores it would add up to the
first instance's rate again, since the instances share nothing but the provider."""
import asyncio
import os

import loadgen
import world


def through_haproxy(ctx, daemons, count):
    """msg/s and CPU seconds of the instances for `count` mails over 10 kept sessions."""
    (front,) = world.harness.free_ports(1)
    hap = world.harness.HAProxy(ctx.work, {"smtps": (front, [d.smtps for d in daemons])}, server_options="")
    try:
        if not hap.start():
            raise RuntimeError(f"HAProxy did not start: {hap.log_text()[-500:]}")
        p = ctx.sender
        user = world.user_for_sink(ctx.w, p, ctx.sink().port)
        mail = loadgen.client_mail(p["kim_address"], [ctx.recipient["kim_address"]], 10240)
        load = loadgen.SmtpLoad(front, user, p["mailbox_password"], p["kim_address"], [ctx.recipient["kim_address"]],
                                mail, count, 10, reuse=True)
        cpu0 = sum(d.stats.cpu_s() for d in daemons)
        asyncio.run(load.run())
        return load, sum(d.stats.cpu_s() for d in daemons) - cpu0
    finally:
        hap.stop()


def s11(ctx, row):
    n = 200 if ctx.quick else 1000
    daemons = [world.Daemon(ctx.args.kimgated, ctx.args.source, ctx.w, "p12", proxy=True).start() for _ in range(2)]
    try:
        through_haproxy(ctx, daemons[:1], 20)  # warm-up: certificate caches, TLS session state
        one, one_cpu = through_haproxy(ctx, daemons[:1], n)
        two, two_cpu = through_haproxy(ctx, daemons, n)
    finally:
        for d in daemons:
            d.close()

    def describe(load, cpu):
        lat = loadgen.latency_summary(load.latencies)
        return (f"{len(load.latencies)} sent in {load.elapsed:.1f} s, errors {load.errors}; DATA->250 ms p50 "
                f"{lat['p50']} p99 {lat['p99']}; kimgated CPU {cpu * 1000 / max(1, len(load.latencies)):.2f} ms/msg")

    return [row("S11", "msg/s, two instances behind HAProxy vs one", round(two.rate(), 1), round(one.rate(), 1),
                "msg/s", 0.9, detail=f"two: {describe(two, two_cpu)}; one: {describe(one, one_cpu)}; "
                f"{os.cpu_count()} cores: both instances share them")]
