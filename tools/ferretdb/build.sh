#!/usr/bin/env bash
# Builds FerretDB 1.24.2 (SQLite backend, pure Go) into .tools/bin/ferretdb.
# `go install …@v1.24.2` gives a binary that panics at start: the module on the proxy ships
# without build/version/version.txt, which release builds generate. We copy the module source
# into .tools/, write that file, and build through a `replace` of our own, after applying every
# patch of this directory (*.patch, in name order; each says why in its comment):
# natural-order-streams.patch: a $natural read of a capped collection (the oplog) streams, as on
#   MongoDB, so that reading its newest entries does not read all of it first;
# sqlite-id-index.patch: a lookup, update or delete by _id uses the _id index, as on MongoDB.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/.tools/bin/ferretdb"
version=v1.24.2
patches=("$here"/*.patch)
# A machine-wide copy, named by the patches, so that another clone on this machine (a CI run) reuses the build.
cache="${MEESHY_TOOLS_CACHE:-$HOME/.cache/meeshy-ops}/ferretdb-$version-$(cat "${patches[@]}" | sha256sum | cut -c1-12)"
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
for patch_file in "${patches[@]}"; do
  patch -s -d "$src" -p1 < "$patch_file"
done
echo "$version" > "$src/build/version/version.txt"
mkdir -p "$work"
cp go.mod go.sum "$work/"
cd "$work"
go mod edit -module meeshy-ops/build-ferretdb -replace "github.com/FerretDB/FerretDB=$src"
GOFLAGS=-mod=mod go build -o "$out" github.com/FerretDB/FerretDB/cmd/ferretdb
mkdir -p "$(dirname "$cache")" && cp "$out" "$cache"
echo "built $out ($("$out" --version | head -1))"
