#!/usr/bin/env bash
# Sets up this machine (system packages, npm, build) and runs zkts in the foreground with
# conf/zoo.cfg: clients on 127.0.0.1:2181, admin HTTP on :8080, Prometheus metrics on :7000.
# Ctrl-C stops it. Data stays in ./data/standalone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p data/standalone
echo "zkts: connect with: node bin/zkts cli -server 127.0.0.1:2181"
exec node bin/zkts server --config conf/zoo.cfg
