#!/usr/bin/env bash
# Write a programme of N generated partners (from a CSV) into DIR, based on
# examples/programme/mno-region.toml (its [[partners]] tables and partners folder left out).
#   bash benches/gen-programme.sh N DIR
set -euo pipefail
n=${1:?N}; dir=${2:?DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
# The base: everything before the [[partners]] tables, reading partners from bench.csv only.
sed -e '/^# Operators listed here/,$d' \
    -e '/^partners_dir = /d' \
    -e 's/^partners_csv = .*/partners_csv = "bench.csv"/' \
    "$here/examples/programme/mno-region.toml" > "$dir/programme.toml"
# Countries whose law accepts the base programme's transfer terms (the agreement's own safeguards):
# an operator in the EEA, Uganda or Ghana needs transfer terms of its own, as the example's
# partner files show.
countries=(KE TZ ET RW SN NG ZA CO BR ZM)
{
  echo "id,legal_name,kind,country,address,contact.name,contact.title,contact.email,signatory.name,signatory.title,certifications,due_diligence.date,due_diligence.scope,due_diligence.outcome,due_diligence.evidence"
  for ((i = 1; i <= n; i++)); do
    c=${countries[$((i % ${#countries[@]}))]}
    printf 'op-%05d,Operator %05d Limited,company,%s,"%d Network Avenue, Capital City",Partner Contact %d,Head of Data Partnerships,partners%d@operator.example,Signatory %d,Chief Executive Officer,ISO/IEC 27001:2022,2026-02-20,values_alignment;reputation;security_practices;sanctions;data_provenance,approved,IOMS due-diligence memorandum DDM-B-%05d\n' \
      "$i" "$i" "$c" "$i" "$i" "$i" "$i" "$i"
  done
} > "$dir/bench.csv"
