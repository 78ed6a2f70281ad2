#!/usr/bin/env bash
# Install PostgreSQL's server and client programs from the distribution's packages
# (PostgreSQL 15 on Debian 12), idempotently. Nothing is started here: smartnumber's
# tests run their own private cluster (lab/postgres.py), and an installation points at
# an existing server with --db / SMARTNUMBER_DB (README: "Several nodes: PostgreSQL").
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

bindir() {
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
    done
    return 1
}

if dir=$(bindir); then
    echo "PostgreSQL is already installed ($dir)"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "updating package lists..."
$SUDO apt-get update -qq
# postgresql-common would create and start a "main" cluster as a system service; the
# tests do not use one, so its creation is turned off for this install.
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/smartnumber.conf >/dev/null
echo "installing PostgreSQL..."
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
dir=$(bindir) || { echo "error: PostgreSQL installed but no initdb found" >&2; exit 1; }
echo "PostgreSQL installed ($dir)"
