#!/usr/bin/env bash
# Sets up the machine and runs every test: static checks, unit and property tests,
# the simulator, and the integration tests against real servers and clients.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/control-plane-build.sh >/dev/null # e2e control plane: cached, about 4 min cold
npm run check
mkdir -p .cache
status=0
npx vitest run --reporter=default --reporter=json --outputFile=.cache/vitest-results.json "$@" || status=$?
# One plain closing line with the counts, for tools that read a run's last line.
node -e 'const r = require("./.cache/vitest-results.json"); console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' || true
exit "$status"
