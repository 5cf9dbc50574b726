#!/usr/bin/env bash
# Debian packages outside pip. The app: Pango (WeasyPrint prints the PDF report with it) and a CJK
# font (fonts-noto-cjk: Chinese names in the PDF and PNG reports). The tests, besides: a PostgreSQL
# server (tests start their own on 127.0.0.1), Chromium (end-to-end tests drive it with Playwright;
# browsers cannot be downloaded here) and poppler-utils (pdftotext and pdffonts read the PDF report).
#
# --runtime: only what the app needs, and a warning instead of a failure when they cannot be
# installed (`make run` still starts; the PDF report then lacks Chinese glyphs or fails to print).
set -euo pipefail

runtime=false
[ "${1:-}" = "--runtime" ] && runtime=true

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

missing=()
installed libpangoft2-1.0-0 || missing+=(libpangoft2-1.0-0)
installed fonts-noto-cjk || missing+=(fonts-noto-cjk)
if ! $runtime; then
  if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing+=(postgresql)
  fi
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

give_up() {
  echo "Please install these Debian packages (as root): apt-get install ${missing[*]}" >&2
  if $runtime; then exit 0; else exit 1; fi
}

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  give_up
fi
echo "Installing system packages: ${missing[*]}"
"${sudo[@]}" apt-get update -qq || give_up
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || give_up
