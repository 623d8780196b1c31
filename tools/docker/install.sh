#!/usr/bin/env bash
# Installs what the replica needs from Debian: the Docker engine (dockerd + CLI), debootstrap (base
# images are built locally: no image registry answers here) and openssh-server. Idempotent.
set -euo pipefail
if command -v dockerd >/dev/null && command -v debootstrap >/dev/null && command -v sshd >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "tools/docker/install.sh: installing docker.io needs root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq docker.io debootstrap openssh-server
