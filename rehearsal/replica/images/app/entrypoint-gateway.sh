#!/bin/sh
# The gateway of app version $MEESHY_APP_REVISION, reading the $MEESHY_APP_DATA data shape.
# Compose sets DATABASE_URL and JWT_SECRET (TRANSLATOR_URL, PORT, UPLOADS_DIR have defaults);
# MEESHY_SANDBOX_FAULTS and MEESHY_SANDBOX_LOGIN_RATE are read by the sandbox itself.
set -eu
: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${JWT_SECRET:?JWT_SECRET is not set}"
exec python3 -m sandbox.gateway --host 0.0.0.0 --port "${PORT:-3000}" \
  --mongodb-url-env DATABASE_URL --data "$MEESHY_APP_DATA" \
  --translator-url "${TRANSLATOR_URL:-http://translator:8000}" \
  --uploads-dir "${UPLOADS_DIR:-/app/uploads}" --jwt-secret-env JWT_SECRET "$@"
