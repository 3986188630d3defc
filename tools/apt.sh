#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing
# (Java 17 for DynamoDB Local, Chromium for browser tests, zip/unzip for the edge bundle,
# strace to check that no Lambda reads a CA bundle at start).
set -euo pipefail
need=()
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
command -v chromium >/dev/null || need+=(chromium)
command -v zip >/dev/null || need+=(zip)
command -v unzip >/dev/null || need+=(unzip)
command -v strace >/dev/null || need+=(strace)  # bench/init and functions/bootstrap/tests/no_ca_bundle.rs: no /etc/ssl read at start
command -v node >/dev/null || need+=(nodejs npm)
if ((${#need[@]})); then
  echo "==> installing Debian packages: ${need[*]}" >&2
  sudo_cmd=""; [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  if ! DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >&2; then
    echo "error: apt-get install ${need[*]} failed (see the output above)" >&2
    exit 1
  fi
fi
