#!/usr/bin/env python3
"""The man pages document what the code has: every kimctl subcommand and its options (walked
from `kimctl ... --help`), every kimgated option (`kimgated --help`) and every configuration key
(`kimctl config show` of a configuration that uses every section and both Konnektor kinds).
Each key's entry in kimgate.toml(5) names its default and whether SIGHUP reloads it."""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def help_of(binary, path):
    r = subprocess.run([binary, *path, "--help"], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise SystemExit(f"{binary} {' '.join(path)} --help failed: {r.stderr.strip()}")
    return r.stdout


def parse_help(text):
    """CLI11 help: the long (or only) name of each option and the names of the subcommands."""
    options, subcommands, section = [], [], None
    for line in text.splitlines():
        if line.rstrip().endswith(":") and not line.startswith(" "):
            section = line.strip().rstrip(":")
            continue
        m = re.match(r"^  (\S+)", line)
        if not m:
            continue
        if section == "Options":
            names = re.split(r",", m.group(1).split("=")[0])
            longs = [n for n in names if n.startswith("--")]
            name = longs[0] if longs else names[0]
            if name not in ("--help", "-h"):
                options.append(name)
        elif section == "Subcommands":
            subcommands.append(m.group(1))
    return options, subcommands


def walk(binary, path=()):
    """Yields (path, options) for the root (path ()) and every command that runs something; a
    group that only holds subcommands (kimctl account) is described through its members."""
    options, subs = parse_help(help_of(binary, list(path)))
    if not path or not subs:
        yield path, options
    for s in subs:
        yield from walk(binary, (*path, s))


FULL_CONFIG = """
[daemon]
state_dir = "{d}/state"
hostname = "mx.example"
[log]
level = "info"
[pvs]
certificate = "{d}/f"
key = "{d}/f"
key_password_file = "{d}/f"
client_ca = "{d}/f"
[[pvs.listener]]
protocol = "smtp"
address = "127.0.0.1"
port = 2465
proxy_protocol = true
[[konnektor]]
id = "soap"
default = true
kind = "soap"
sds_url = "https://konnektor.example/connector.sds"
client_p12 = "{d}/f"
client_p12_password_file = "{d}/f"
basic_password_file = "{d}/f"
server_ca = "{d}/f"
[[konnektor]]
id = "local"
kind = "local"
trust_anchors = "{d}/f"
[[konnektor.card]]
name = "SMC-B"
iccsn = "80276001011699900001"
p12_files = ["{d}/f"]
p12_password_file = "{d}/f"
pin_file = "{d}/f"
[directory]
url = "ldaps://vzd.example:636"
client_p12 = "{d}/f"
client_p12_password_file = "{d}/f"
ca_file = "{d}/f"
[fachdienst]
client_p12 = "{d}/f"
client_p12_password_file = "{d}/f"
ca_file = "{d}/f"
[services]
[[services.provider]]
domain = "example.kim.telematik"
[web]
[[receive_filter]]
mailbox = "praxis@example.kim.telematik"
applications = ["eAU"]
[metrics]
address = "127.0.0.1"
port = 9469
"""


def config_keys(kimctl):
    """Every key `kimctl config show` prints, with list indices removed (pvs.listener[0].port ->
    pvs.listener.port). Secrets appear as KEY_file when given as files; the inline KEY is
    documented beside it and checked through config_show of the inline form below."""
    keys = set()
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "f"), "w").close()
        for variant in ("file", "inline"):
            text = FULL_CONFIG.format(d=d)
            if variant == "inline":
                text = re.sub(r'^(\w*(?:password|pin))_file = "[^"]*"$', r'\1 = "x"', text, flags=re.M)
            path = os.path.join(d, f"{variant}.toml")
            with open(path, "w") as f:
                f.write(text)
            r = subprocess.run([kimctl, "--config", path, "config", "show"], capture_output=True, text=True,
                               timeout=30)
            if r.returncode != 0:
                raise SystemExit(f"kimctl config show failed on the test configuration:\n{r.stdout}{r.stderr}")
            for line in r.stdout.splitlines():
                m = re.match(r"^([A-Za-z0-9_.\[\]]+)\s+=", line)
                if m:
                    keys.add(re.sub(r"\[\d+\]", "", m.group(1)))
    return keys


COMPLETE = r"""
source /usr/share/bash-completion/bash_completion || exit 3
source "$1" || exit 3
shift
COMP_WORDS=("$@" ""); COMP_CWORD=$#; COMP_LINE="$* "; COMP_POINT=${#COMP_LINE}
_kimctl
printf '%s\n' "${COMPREPLY[@]}"
"""


def completion_failures(kimctl, script, commands):
    """Completing after each command group offers exactly the group's subcommands."""
    if not os.path.exists("/usr/share/bash-completion/bash_completion"):
        return ["bash-completion is not installed (scripts/deps/package.txt)"]
    groups = {}
    for path, _ in commands:
        for i in range(len(path)):
            groups.setdefault(path[:i], set()).add(path[i])
    failures = []
    env = dict(os.environ, PATH=os.path.dirname(os.path.abspath(kimctl)) + ":" + os.environ["PATH"])
    for group, members in sorted(groups.items()):
        r = subprocess.run(["bash", "-c", COMPLETE, "complete", script, "kimctl", *group], capture_output=True,
                           text=True, timeout=30, env=env)
        offered = set(r.stdout.split())
        if not members <= offered:
            failures.append(f"completion of 'kimctl {' '.join(group)}' offers {sorted(offered)}, "
                            f"not {sorted(members - offered)}")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kimctl", required=True)
    ap.add_argument("--kimgated", required=True)
    ap.add_argument("--man", required=True, help="folder of the scdoc sources")
    ap.add_argument("--completion", help="the bash completion script; each command's subcommands must complete")
    ap.add_argument("--dump", action="store_true", help="print what the code has and stop")
    args = ap.parse_args()
    commands = list(walk(args.kimctl))
    keys = sorted(config_keys(args.kimctl))
    daemon_options = parse_help(help_of(args.kimgated, []))[0]
    if args.dump:
        for path, options in commands:
            print("kimctl", " ".join(path), " ".join(options))
        print("kimgated", " ".join(daemon_options))
        print("\n".join(keys))
        return 0

    failures = []
    kimctl_page = open(os.path.join(args.man, "kimctl.8.scd")).read()
    # A subcommand's entry starts with a line "*kimctl PATH*..." and runs to the next entry.
    blocks, current = {}, None
    for line in kimctl_page.splitlines():
        m = re.match(r"^\*kimctl ([a-z0-9 -]+)\*", line)
        if m:
            current = m.group(1).strip()
            blocks[current] = ""
        if current is not None:
            blocks[current] += line + "\n"
    for path, options in commands:
        if not path:
            for o in options:
                if f"*{o}" not in kimctl_page:
                    failures.append(f"kimctl(8) lacks the global option {o}")
            continue
        name = " ".join(path)
        if name not in blocks:
            failures.append(f"kimctl(8) has no entry '*kimctl {name}*'")
            continue
        for o in options:
            if f"*{o}*" not in blocks[name]:
                failures.append(f"kimctl(8): the entry of 'kimctl {name}' does not describe {o}")

    daemon_page = open(os.path.join(args.man, "kimgated.8.scd")).read()
    for o in daemon_options:
        if f"*{o}*" not in daemon_page:
            failures.append(f"kimgated(8) lacks the option {o}")

    toml_page = open(os.path.join(args.man, "kimgate.toml.5.scd")).read()
    entries = {}
    for line in toml_page.splitlines():
        m = re.match(r"^\*([a-z0-9_.]+)\*(.*)$", line)
        if m:
            entries[m.group(1)] = m.group(2)
    for key in keys:
        if key not in entries:
            failures.append(f"kimgate.toml(5) has no entry '*{key}*'")
            continue
        head = entries[key]
        if "default" not in head or "SIGHUP" not in head:
            failures.append(f"kimgate.toml(5): the entry of {key} does not name its default and SIGHUP behaviour")
    if args.completion:
        failures += completion_failures(args.kimctl, args.completion, commands)
    for f in failures:
        print("FAIL:", f)
    print(f"man pages: {len(commands)} kimctl commands, {len(daemon_options)} kimgated options, {len(keys)} "
          f"configuration keys checked; {len(failures)} missing")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
