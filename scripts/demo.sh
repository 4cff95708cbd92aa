#!/usr/bin/env bash
# The main job on the sample organization, offline and with no API key.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False
DX=.venv/bin/dxprep
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "dxprep workspace check -w corpus"
$DX workspace check -w corpus
step "dxprep ingest -w corpus   (first run embeds; later runs only what changed)"
$DX ingest -w corpus
step "dxprep search \"ransomware risk to our plants\" -w corpus -k 4 --audience coo"
$DX search "ransomware risk to our plants" -w corpus -k 4 --audience coo
step "dxprep search \"ERP upgrade cost model\" -w corpus -k 3 --executive cfo"
$DX search "ERP upgrade cost model" -w corpus -k 3 --executive cfo
step "dxprep cadence -w corpus --chart corpus/briefings/cadence.png   (who is overdue, who is next)"
$DX cadence -w corpus --chart corpus/briefings/cadence.png
step "dxprep history cfo -w corpus   (goals, concerns, commitments carried forward)"
$DX history cfo -w corpus
step "dxprep brief cfo -w corpus   (the Word briefing, offline engine, every claim cited)"
$DX brief cfo -w corpus
step "dxprep brief --due -w corpus   (every executive whose dialogue is due, plus a portfolio page)"
$DX brief --due -w corpus
step "dxprep alignment -w corpus -f docx -o corpus/briefings/alignment.docx   (goals x initiatives, gaps)"
$DX alignment -w corpus -f docx -o corpus/briefings/alignment.docx
step "dxprep report -w corpus -o corpus/briefings/programme-report.docx   (cadence, commitments kept, charts)"
$DX report -w corpus -o corpus/briefings/programme-report.docx
step "dxprep points coo -w corpus   (talking points for the corridor)"
$DX points coo -w corpus
printf '\nBriefings are in corpus/briefings/ (open the .docx files in Word or LibreOffice).\n'
