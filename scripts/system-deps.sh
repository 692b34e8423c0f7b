#!/usr/bin/env bash
# System packages the format tests need: LibreOffice (DOCX -> PDF) and a CJK font.
# Idempotent: does nothing when soffice is already on PATH. Needs root (apt-get).
set -euo pipefail

if command -v soffice >/dev/null 2>&1 && fc-list : family 2>/dev/null | grep -i "noto.*cjk" >/dev/null; then
    echo "system-deps: soffice and a Noto CJK font are present"
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "system-deps: run as root (apt-get install libreoffice-writer-nogui fonts-noto-cjk)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk
command -v soffice >/dev/null
echo "system-deps: installed $(soffice --version 2>/dev/null | head -1)"
