#!/usr/bin/env bash
# Sets up this machine (system packages, npm, build) and starts a local 3-server zkts ensemble
# in the foreground with `zkts ensemble up`: server N on 127.0.0.N (clients on 2181, quorum
# 2888, election 3888, admin HTTP 8080, Prometheus metrics 7000). It prints the connect string
# once a leader is elected; Ctrl-C stops every member. Data stays in ./data/ensemble.
# ENSEMBLE_HOST_PREFIX moves the members elsewhere in 127.0.0.0/8 (e.g. 127.0.2.).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
prefix="${ENSEMBLE_HOST_PREFIX:-127.0.0.}"
echo "zkts: connect with: node bin/zkts cli -server ${prefix}1:2181,${prefix}2:2181,${prefix}3:2181"
exec node bin/zkts ensemble up --size 3 --dir data/ensemble --host-prefix "$prefix"
