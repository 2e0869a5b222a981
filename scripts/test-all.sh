#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian/Ubuntu machine (services from apt where missing),
# installs dependencies, builds, type-checks and runs every test. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium)
command -v nginx >/dev/null || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]} from apt"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "== build (web + server)"
npm run --silent build
echo "== typecheck (sources, tests, benchmarks)"
npm run --silent typecheck
echo "== tests"
mkdir -p .tmp
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json
rc=$?
set -e
node -e '
const r = require("./.tmp/vitest.json");
const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || echo "vitest: 0 passed, 1 failed"
exit $rc
