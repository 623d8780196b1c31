#!/usr/bin/env bash
# Builds Docker Compose v2.40.3 into .tools/docker/cli-plugins/docker-compose (a CLI plugin under the
# project's own DOCKER_CONFIG, never ~/.docker). `go install …/cmd@v2.40.3` is refused (the module's
# go.mod has `exclude` directives), so the build runs inside a copy of the module.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=v2.40.3
out="$root/.tools/docker/cli-plugins/docker-compose"
# A machine-wide copy, so that another clone on this machine (a CI run) reuses the build.
cache="${MEESHY_TOOLS_CACHE:-$HOME/.cache/meeshy-ops}/docker-compose-$version"
if [ -x "$out" ] && "$out" version 2>/dev/null | grep -q "$version"; then
  exit 0
fi
if [ -x "$cache" ] && "$cache" version 2>/dev/null | grep -q "$version"; then
  mkdir -p "$(dirname "$out")" && cp "$cache" "$out" && exit 0
fi
src="$root/.tools/src/compose-$version"
mkdir -p "$(dirname "$out")" "$root/.tools/src"
cd "$root/.tools/src"
GOFLAGS=-mod=mod go mod download -json "github.com/docker/compose/v2@$version" > /dev/null
moddir=$(go env GOMODCACHE)/github.com/docker/compose/v2@$version
rm -rf "$src"
cp -r "$moddir" "$src"
chmod -R u+w "$src"
cd "$src"
go mod download
go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" -o "$out" ./cmd
mkdir -p "$(dirname "$cache")" && cp "$out" "$cache"
echo "built $out ($("$out" version))"
