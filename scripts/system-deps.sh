#!/usr/bin/env bash
# System packages: LibreOffice (DOCX -> PDF and .doc for the format corpus; at run time it converts
# .doc/.wps files inside the parse, extractors/readers/doc.py) and a CJK font, Chromium for the
# browser test of the Airflow UI (tests/pipeline/test_ui.py). OCR needs no system package (rapidocr).
# Idempotent and quick: installs only what is missing; does nothing when all is present.
# Needs root (apt-get) only when something is missing.
set -euo pipefail

missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
fc-list : family 2>/dev/null | grep -i "noto.*cjk" >/dev/null || missing+=(fonts-noto-cjk)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ "${#missing[@]}" -eq 0 ]; then
    echo "system-deps: soffice, a Noto CJK font and chromium are present"
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "system-deps: run as root (apt-get install ${missing[*]})" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
command -v soffice >/dev/null
command -v chromium >/dev/null
echo "system-deps: installed ${missing[*]}"
