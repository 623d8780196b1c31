#!/bin/sh
# The web frontend of app version $MEESHY_APP_REVISION. NEXT_PUBLIC_API_URL is the gateway as the browser
# reaches it (the real frontend's public URL); NEXT_PUBLIC_TRANSLATION_URL is echoed by /api/health.
set -eu
: "${NEXT_PUBLIC_API_URL:?NEXT_PUBLIC_API_URL is not set}"
exec python3 -m sandbox.web --host 0.0.0.0 --port "${PORT:-3100}" \
  --gateway-url "$NEXT_PUBLIC_API_URL" --translator-url "${NEXT_PUBLIC_TRANSLATION_URL:-}" \
  --state-dir "${WEB_STATE_DIR:-/app/logs}" --faults "${MEESHY_SANDBOX_FAULTS:-}" "$@"
