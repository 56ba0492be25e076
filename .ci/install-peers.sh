#!/usr/bin/env bash
# Installs the real server software that test/integration/real-peers.test.ts starts as peers
# (nginx, postfix, PostgreSQL, openssl) from Debian's packages, only when missing. Idempotent.
# The tests start their own private instances on free loopback ports, so any system-wide
# service that package installation started is stopped and disabled here.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

have() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }
pg_bin_dir() { { ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true; } | sort -V | tail -n 1; }

missing=()
have /usr/sbin/nginx || missing+=(nginx)
have /usr/sbin/postfix || missing+=(postfix)
pg="$(pg_bin_dir)"
if [ -z "$pg" ] || [ ! -x "$pg/postgres" ] || [ ! -x "$pg/initdb" ] || [ ! -x "$pg/pg_ctl" ]; then
  missing+=(postgresql)
fi
have openssl || missing+=(openssl)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-peers: installing ${missing[*]}"
  if [[ " ${missing[*]} " == *" postfix "* ]]; then
    # No interactive dialog, no system mail configuration: the tests write their own main.cf.
    echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
    echo 'postfix postfix/mailname string localhost' | debconf-set-selections
  fi
  # Keep package installation from starting services (invoke-rc.d honours policy-rc.d).
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    created_policy=1
  fi
  cleanup() { if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi; }
  trap cleanup EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  cleanup
  trap - EXIT
else
  echo 'install-peers: nginx, postfix, postgresql and openssl already installed'
fi

# Stop system-wide instances that would hold the standard ports or interfere; the tests run
# private instances with their own configuration.
for svc in nginx postfix postgresql; do
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  fi
done
# A system postfix started outside the service wrapper (default config directory only).
if [ -f /var/spool/postfix/pid/master.pid ] && /usr/sbin/postfix status >/dev/null 2>&1; then
  /usr/sbin/postfix stop >/dev/null 2>&1 || true
fi

# The PostgreSQL server refuses to run as root: the tests run it as this user.
if ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

echo "install-peers: nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///'), postfix $(/usr/sbin/postconf -d -h mail_version 2>/dev/null || echo unknown), postgres $("$(pg_bin_dir)/postgres" --version | awk '{print $3}')"
