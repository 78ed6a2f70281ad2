#!/usr/bin/env bash
# Install Asterisk, sipp, and the prompt tools (espeak-ng text-to-speech, sox) on
# Debian/Ubuntu, idempotently.
# Uses the distribution's own asterisk package where it has one; on Debian 12
# (which ships none) it takes Asterisk 16 from Debian 11's security suite, with an
# apt pin so that only the asterisk packages (and what they need that bookworm
# lacks, e.g. libssl1.1) come from there.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

have_all() {
    command -v asterisk >/dev/null 2>&1 || [ -x /usr/sbin/asterisk ] || return 1
    command -v sipp >/dev/null 2>&1 || return 1
    command -v espeak-ng >/dev/null 2>&1 || return 1
    command -v sox >/dev/null 2>&1 || return 1
    return 0
}

if have_all; then
    echo "asterisk, sipp, espeak-ng and sox are already installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "updating package lists..."
$SUDO apt-get update -qq

if ! apt-cache show asterisk 2>/dev/null | grep -q "^Version:"; then
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    if [ "$codename" != "bookworm" ]; then
        echo "error: this distribution ($codename) has no asterisk package and no known recipe" >&2
        exit 1
    fi
    echo "Debian 12 ships no asterisk: adding Debian 11 (bullseye) security suite, pinned to asterisk only"
    $SUDO tee /etc/apt/sources.list.d/smartnumber-bullseye.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bullseye
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bullseye-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    $SUDO tee /etc/apt/preferences.d/smartnumber-asterisk >/dev/null <<'PIN'
# Written by smartnumber: take nothing from bullseye unless bookworm lacks it,
# except the asterisk packages themselves.
Package: *
Pin: release n=bullseye
Pin-Priority: 100

Package: *
Pin: release n=bullseye-security
Pin-Priority: 100

Package: asterisk asterisk-*
Pin: release n=bullseye-security
Pin-Priority: 500
PIN
    $SUDO apt-get update -qq
fi

echo "installing asterisk, sipp, espeak-ng and sox..."
$SUDO apt-get install -y -qq --no-install-recommends asterisk sip-tester espeak-ng sox >/dev/null
# The package starts a system-wide asterisk; ours run privately, so keep it quiet.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet asterisk 2>/dev/null; then
    $SUDO systemctl stop asterisk || true
fi
$SUDO /etc/init.d/asterisk stop >/dev/null 2>&1 || true
/usr/sbin/asterisk -V
sipp -v 2>&1 | grep -m1 -i 'sipp' || true
espeak-ng --version | head -1
echo "asterisk, sipp, espeak-ng and sox installed"
