#!/usr/bin/env bash
# Build the one-folder Fieldwright app with PyInstaller, then prove it: run the built
# binary's --self-test offscreen and check the budgets (folder size, cold start).
#
#   bash packaging/build.sh            # uses .venv/bin/python when present, else python3
#   bash packaging/build.sh --archive  # also packs fieldwright-VERSION-linux-ARCH.tar.gz
#   PYTHON=/path/to/python bash packaging/build.sh
#
# The Python must have Fieldwright and the packaging extra installed:
#   pip install -e '.[packaging]'
# Output: packaging/build/dist/fieldwright/ (run ./fieldwright there). Exit status 0
# only when the build, the self-test and both budgets pass.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
ARCHIVE="${1:-}"
case "$ARCHIVE" in
  "" | --archive) ;;
  *) echo "usage: bash packaging/build.sh [--archive]" >&2; exit 2 ;;
esac
OUT=packaging/build
APP="$OUT/dist/fieldwright"
SIZE_BUDGET_MB=250
START_BUDGET_S=4
# The cold start is a time: enforced for a release build on a quiet machine, reported only
# where the machine is shared (the test suite sets FIELDWRIGHT_ENFORCE_START_BUDGET=0).
ENFORCE_START="${FIELDWRIGHT_ENFORCE_START_BUDGET:-1}"

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
verdict() { awk -v v="$1" -v limit="$2" 'BEGIN { print (v < limit) ? "pass" : "FAIL" }'; }

version="$("$PYTHON" -c 'from importlib.metadata import version; print(version("fieldwright"))')"
echo "building Fieldwright $version with $("$PYTHON" -m PyInstaller --version 2>/dev/null || echo 'no PyInstaller') ($PYTHON)"

started="$(now)"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$OUT/dist" --workpath "$OUT/work" packaging/fieldwright.spec
build_s="$(seconds "$started" "$(now)")"
echo "build: ${build_s} s"

size_mb="$(du -sk "$APP" | awk '{ printf "%.1f", $1 / 1024 }')"
# The desktop integration travels with the app: ./linux/install.sh in the unpacked folder.
if [ "$(uname -s)" = Linux ]; then
  rm -rf "$APP/linux" && cp -r packaging/linux "$APP/linux"
fi

# First run of the new binary: nothing of it has run before (its files are in the
# page cache from the build, as on a machine that just unpacked the app).
export QT_QPA_PLATFORM=offscreen
started="$(now)"
if ! self_test="$("$APP/fieldwright" --self-test)"; then
  echo "self-test of the built app FAILED (see above)" >&2
  exit 1
fi
start_s="$(seconds "$started" "$(now)")"
echo "$self_test"
version_line="$("$APP/fieldwright" --version)"
echo "$version_line"
if [ "$version_line" != "fieldwright, version $version" ]; then
  echo "the built app says '$version_line', expected version $version" >&2
  exit 1
fi

size_verdict="$(verdict "$size_mb" "$SIZE_BUDGET_MB")"
start_verdict="$(verdict "$start_s" "$START_BUDGET_S")"
echo "budget size: ${size_mb} MB (< ${SIZE_BUDGET_MB} MB): ${size_verdict}"
if [ "$ENFORCE_START" = 0 ]; then
  echo "budget cold start to self-test done: ${start_s} s (< ${START_BUDGET_S} s): ${start_verdict} (reported, not enforced)"
  start_verdict=pass
else
  echo "budget cold start to self-test done: ${start_s} s (< ${START_BUDGET_S} s): ${start_verdict}"
fi
[ "$size_verdict" = pass ] && [ "$start_verdict" = pass ] || exit 1

if [ "$ARCHIVE" = --archive ]; then
  archive="$OUT/fieldwright-$version-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m).tar.gz"
  tar -C "$OUT/dist" -czf "$archive" fieldwright
  echo "archive: $archive ($(du -k "$archive" | awk '{ printf "%.1f", $1 / 1024 }') MB)"
fi
