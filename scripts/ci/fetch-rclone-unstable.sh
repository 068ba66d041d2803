#!/usr/bin/env bash
# Fetches the `rclone` package of Debian's unstable suite (a static build of the newest rclone) and
# unpacks it into a folder, without touching the system's apt sources: a temporary apt configuration
# names the suite, `apt-get download` fetches the .deb, `dpkg-deb -x` unpacks it.
# Usage: fetch-rclone-unstable.sh DEST_DIR   → prints the path of the rclone binary.
set -euo pipefail
dest=${1:?usage: fetch-rclone-unstable.sh DEST_DIR}
if [ -x "$dest/usr/bin/rclone" ]; then echo "$dest/usr/bin/rclone"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/archives/partial" "$dest"
cat > "$tmp/sources.list" <<LIST
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian unstable main
LIST
opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=-" \
      -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives" \
      -o "APT::Get::List-Cleanup=0")
apt-get "${opts[@]}" update -qq >&2
(cd "$tmp" && apt-get "${opts[@]}" download rclone >&2)
dpkg-deb -x "$tmp"/rclone_*.deb "$dest"
"$dest/usr/bin/rclone" version | sed -n 1p >&2
echo "$dest/usr/bin/rclone"
