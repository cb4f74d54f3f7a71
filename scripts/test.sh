#!/usr/bin/env bash
# Sets up the machine and runs every test: static checks, unit and property tests,
# the simulator, and the integration tests against real servers and clients.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/control-plane-build.sh >/dev/null # e2e control plane: cached, about 4 min cold
npm run check
npx vitest run
