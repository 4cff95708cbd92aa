#!/usr/bin/env bash
# The main job on the sample organization, offline and with no API key.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
DX=.venv/bin/dxprep
echo "== dxprep workspace check -w corpus"
$DX workspace check -w corpus
