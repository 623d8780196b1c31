#!/usr/bin/env bash
# Builds FerretDB 1.24.2 (SQLite backend, pure Go) into .tools/bin/ferretdb.
# `go install …@v1.24.2` gives a binary that panics at start: the module on the proxy ships
# without build/version/version.txt, which release builds generate. We copy the module source
# into .tools/, write that file, and build through a `replace` of our own. One patch is applied
# (natural-order-streams.patch): a `$natural` read of a capped collection streams, as on MongoDB,
# so that reading the newest oplog entries does not read the whole oplog first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/.tools/bin/ferretdb"
version=v1.24.2
patch_file="$here/natural-order-streams.patch"
# A machine-wide copy, named by the patch, so that another clone on this machine (a CI run) reuses the build.
cache="${MEESHY_TOOLS_CACHE:-$HOME/.cache/meeshy-ops}/ferretdb-$version-$(sha256sum "$patch_file" | cut -c1-12)"
if [ -x "$cache" ] && "$cache" --version 2>/dev/null | grep -q "version: $version"; then
  cmp -s "$cache" "$out" || { mkdir -p "$(dirname "$out")" && cp "$cache" "$out"; }
  exit 0
fi
src="$root/.tools/src/ferretdb-$version"
work="$root/.tools/src/build-ferretdb"
mkdir -p "$root/.tools/bin" "$root/.tools/src"
cd "$here"
go mod download github.com/FerretDB/FerretDB
moddir=$(go list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB)
rm -rf "$src" "$work"
cp -r "$moddir" "$src"
chmod -R u+w "$src"
patch -s -d "$src" -p1 < "$patch_file"
echo "$version" > "$src/build/version/version.txt"
mkdir -p "$work"
cp go.mod go.sum "$work/"
cd "$work"
go mod edit -module meeshy-ops/build-ferretdb -replace "github.com/FerretDB/FerretDB=$src"
GOFLAGS=-mod=mod go build -o "$out" github.com/FerretDB/FerretDB/cmd/ferretdb
mkdir -p "$(dirname "$cache")" && cp "$out" "$cache"
echo "built $out ($("$out" --version | head -1))"
