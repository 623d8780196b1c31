#!/bin/sh
# As the official redis image: options alone run redis-server; redis-server runs as user redis, and
# without a config file it gets --protected-mode no (reachable from the other containers).
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
if [ "$1" = redis-server ] && ! { [ -f "${2:-}" ] && grep -q '^protected-mode' "$2"; }; then
  case " $* " in
    *" --protected-mode "*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
fi
exec "$@"
