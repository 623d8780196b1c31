#!/bin/sh
# As mongo:8.0's entrypoint: options alone run mongod; any other command (mongodump, mongosh, sh) runs as given.
set -e
if [ "${1#-}" != "$1" ]; then
  set -- mongod "$@"
fi
exec "$@"
