#!/usr/bin/env bash
# Fieldwright's Linux desktop integration: the menu entry, the icon, AppStream metadata
# and the *.fwmap.json file type, so a file manager opens mappings in Fieldwright.
#
#   bash install.sh [APP_DIR]       # for you (~/.local/share, ~/.local/bin)
#   sudo DATA_DIR=/usr/local/share BIN_DIR=/usr/local/bin bash install.sh [APP_DIR]
#
# APP_DIR is the unpacked one-folder app (the folder holding the `fieldwright`
# binary); it defaults to the folder above this script when that holds one (the
# built app carries this script in its linux/ folder). The binary is linked as
# BIN_DIR/fieldwright, which the .desktop file runs. Without an app folder (a pip
# install), `fieldwright` must already be on PATH.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ID=org.fieldwright.Fieldwright
DATA_DIR="${DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}}"
BIN_DIR="${BIN_DIR:-$HOME/.local/bin}"
APP_DIR="${1:-}"
if [ -z "$APP_DIR" ] && [ -x "$HERE/../fieldwright" ]; then
  APP_DIR="$HERE/.."
fi

install -Dm644 "$HERE/$ID.desktop" "$DATA_DIR/applications/$ID.desktop"
install -Dm644 "$HERE/$ID.metainfo.xml" "$DATA_DIR/metainfo/$ID.metainfo.xml"
install -Dm644 "$HERE/$ID.mime.xml" "$DATA_DIR/mime/packages/$ID.xml"
install -Dm644 "$HERE/icons/fieldwright.svg" "$DATA_DIR/icons/hicolor/scalable/apps/$ID.svg"
for size in 48 128 256; do
  install -Dm644 "$HERE/icons/fieldwright-$size.png" \
    "$DATA_DIR/icons/hicolor/${size}x${size}/apps/$ID.png"
done

if [ -n "$APP_DIR" ]; then
  app="$(cd "$APP_DIR" && pwd)/fieldwright"
  [ -x "$app" ] || { echo "no fieldwright binary in $APP_DIR" >&2; exit 2; }
  mkdir -p "$BIN_DIR"
  ln -sf "$app" "$BIN_DIR/fieldwright"
  echo "linked $BIN_DIR/fieldwright -> $app"
fi
if ! PATH="$BIN_DIR:$PATH" command -v fieldwright >/dev/null; then
  echo "note: fieldwright is not on PATH; the menu entry runs \`fieldwright\`" >&2
fi

# Refresh the caches desktops read (each tool is optional: skip the ones not installed).
if command -v update-mime-database >/dev/null; then update-mime-database "$DATA_DIR/mime"; fi
if command -v update-desktop-database >/dev/null; then
  update-desktop-database "$DATA_DIR/applications"
fi
if command -v gtk-update-icon-cache >/dev/null; then
  gtk-update-icon-cache -q -t -f "$DATA_DIR/icons/hicolor" || true  # a cache only: never fatal
fi
echo "installed Fieldwright's desktop integration into $DATA_DIR"
