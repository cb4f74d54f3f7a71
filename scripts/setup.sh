#!/usr/bin/env bash
# Installs everything zkts needs to build and test on a fresh Debian machine of this kind:
# system packages (Apache ZooKeeper 3.8 and its clients, kazoo, Java, etcd, Prometheus),
# npm dependencies, and the compiled project. Safe to run again: each step skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

# openssl: certificates for the e2e control plane; mount + util-linux: tmpfs tests, unshare, nsenter, setpriv.
apt_packages=(zookeeper zookeeper-bin python3-kazoo openjdk-17-jdk-headless etcd-server prometheus util-linux mount openssl iproute2 e2fsprogs)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run build --silent
