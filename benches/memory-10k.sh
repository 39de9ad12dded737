#!/usr/bin/env bash
# Bounded memory: build a 10,000-partner programme (partners from a CSV) with
# `datapact batch --format md` under /usr/bin/time -v and print peak RSS and wall time.
#
#   cargo build --release && bash benches/memory-10k.sh [N] [DATAPACT]
#
# N defaults to 10000; DATAPACT to target/release/datapact. Work files go to a temporary
# folder, removed at the end (the outputs take about 2 GB for 10,000 partners).
set -euo pipefail
n=${1:-10000}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${2:-$here/target/release/datapact}
[ -x "$bin" ] || { echo "error: $bin not found; run cargo build --release first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time missing; apt-get install time" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/datapact-mem-XXXXXX")
trap 'rm -rf "$work"' EXIT

# The programme: the starter config, whose party `provider` each partner replaces.
{
  cat <<'EOF'
[programme]
partner_party = "provider"
reference_prefix = "BENCH-2026"
overridable = ["agreement.governing_law"]
partners_csv = "partners.csv"

EOF
  cat "$here/src/starter.toml"
} > "$work/programme.toml"

countries=(KE UG TZ ET RW SN GH NG DE FR BE NL)
{
  echo "id,legal_name,kind,country,address,contact.name,contact.email,signatory.name,signatory.title,override:agreement.governing_law"
  for ((i = 1; i <= n; i++)); do
    c=${countries[$((i % ${#countries[@]}))]}
    printf 'op-%05d,Operator %05d Limited,company,%s,"%d Network Avenue, Capital City",Partner Contact %d,partners%d@operator.example,Signatory %d,Chief Executive Officer,the laws of %s\n' \
      "$i" "$i" "$c" "$i" "$i" "$i" "$i" "$c"
  done
} > "$work/partners.csv"

echo "datapact batch --format md: $n partners ($(nproc) cores)" >&2
status=0
/usr/bin/time -v -o "$work/time.txt" "$bin" batch --format md --quiet -o "$work/out" "$work/programme.toml" \
  2> "$work/stderr.txt" || status=$?
built=$(find "$work/out" -name '*.md' | wc -l)
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\) time/ {print $2}' "$work/time.txt")
cpu=$(awk -F': ' '/Percent of CPU this job got/ {print $2}' "$work/time.txt")
tail -n 1 "$work/stderr.txt" >&2
echo "partners:      $n"
echo "agreements:    $built Markdown files (exit $status)"
echo "peak RSS:      $((rss_kb / 1024)) MiB ($rss_kb kB)"
echo "wall time:     $wall (CPU $cpu)"
exit "$status"
