# Shared helpers of tests/world/{up,down,status}. Sourced, not executed.
# shellcheck shell=bash

WORLD_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO=$(cd "$WORLD_SRC/../.." && pwd)
WORLD=${KIMGATE_WORLD_DIR:-$REPO/build/world}
# Postfix and Dovecot live in /usr/sbin, which is not on every PATH (CTest).
PATH=$PATH:/usr/sbin:/sbin

log() { printf 'world: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Components: name|pidfile|process-name|port variables (from world.env).
# The process name is checked against /proc/<pid>/cmdline so that a stale pid
# file whose pid has been reused never makes us report or kill a stranger.
components() {
  cat <<EOF2
fd-a-postfix|$WORLD/fd-a/queue/pid/master.pid|postfix/sbin/master|WORLD_PORT_FD_A_SMTPS WORLD_PORT_FD_A_INBOUND
fd-a-dovecot|$WORLD/fd-a/dovecot/run/master.pid|dovecot|WORLD_PORT_FD_A_POP3S
fd-b-postfix|$WORLD/fd-b/queue/pid/master.pid|postfix/sbin/master|WORLD_PORT_FD_B_SMTPS WORLD_PORT_FD_B_INBOUND
fd-b-dovecot|$WORLD/fd-b/dovecot/run/master.pid|dovecot|WORLD_PORT_FD_B_POP3S
vzd-slapd|$WORLD/vzd/slapd.pid|slapd|WORLD_PORT_LDAPS WORLD_PORT_LDAP
pki-http|$WORLD/run/pkihttp.pid|pkihttp.py|WORLD_PORT_OCSP WORLD_PORT_HTTP
fd-a-kas|$WORLD/run/kas-fd-a.pid|kas_server.py|WORLD_PORT_FD_A_KAS WORLD_PORT_FD_A_ACCMGR WORLD_PORT_FD_A_KAS_CONTROL
fd-b-kas|$WORLD/run/kas-fd-b.pid|kas_server.py|WORLD_PORT_FD_B_KAS WORLD_PORT_FD_B_ACCMGR WORLD_PORT_FD_B_KAS_CONTROL
dns|$WORLD/run/dnsmasq.pid|dnsmasq|WORLD_PORT_DNS
EOF2
}

# Print the pid from a pid file if that process is alive and is what we expect.
live_pid() {
  local pidfile=$1 want=$2 pid
  [[ -r $pidfile ]] || return 1
  pid=$(tr -dc '0-9' <"$pidfile")
  [[ -n $pid && -d /proc/$pid ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$want" || return 1
  printf '%s\n' "$pid"
}

port_listening() {
  ss -H -ltn "sport = :$1" 2>/dev/null | grep -q .
}

# Wait until every given port listens, up to a deadline (seconds).
wait_ports() {
  local deadline=$((SECONDS + $1)) p; shift
  for p in "$@"; do
    until port_listening "$p"; do
      ((SECONDS < deadline)) || return 1
      sleep 0.1
    done
  done
}

load_env() {
  [[ -r $WORLD/world.env ]] || return 1
  # shellcheck disable=SC1091
  source "$WORLD/world.env"
}

# Every process that belongs to a session led by one of our daemons. Postfix
# master, Dovecot and slapd detach into their own session; their children stay
# in it. Used by `down` to make sure nothing is left behind.
# Zombies do not count: they hold no socket and no resource but a pid, and
# they linger until PID 1 reaps them (slowly, in some sandboxes).
session_members() {
  local sid=$1
  ps -e -o pid=,sid=,stat= | awk -v s="$sid" '$2 == s && $3 !~ /^Z/ { print $1 }'
}
