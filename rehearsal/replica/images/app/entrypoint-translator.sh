#!/bin/sh
# The translator of app version $MEESHY_APP_REVISION; MEESHY_SANDBOX_FAULTS is read by the sandbox itself.
set -eu
exec python3 -m sandbox.translator --host 0.0.0.0 --port "${PORT:-8000}" \
  --delay-ms "${TRANSLATOR_DELAY_MS:-20}" --load-ms "${TRANSLATOR_LOAD_MS:-300}" "$@"
