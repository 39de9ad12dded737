#!/usr/bin/env bash
# What datapact adds to typst's own time when it writes a PDF.
#
#   bash benches/pdf-overhead.sh [CONFIG…]        (default: two examples and the scripts fixture)
#
# For each config it times, with hyperfine on a release build:
#
#   typst      `typst compile` of the exact input datapact hands to typst (written by the
#              hidden `datapact generate --emit-typ`: `<reference>.typ` + `<reference>.meta.json`),
#              with the same flags datapact passes (src/pdf/runner.rs: --root, --ignore-system-fonts,
#              --font-path of the same eight font files, empty package paths, --diagnostic-format
#              short, --creation-timestamp) and the same cleared environment;
#   datapact   `datapact generate CONFIG --format md,pdf`: load, check, render, glyph check, font
#              staging, Markdown→Typst, the same typst run, and the Markdown, JSON twin and PDF
#              written atomically;
#   own work   the same command with `--typst` pointing at benches/pdf-overhead/stub-typst.sh,
#              which answers `--version` and writes the PDF made before: all of datapact's own
#              work, none of typst's.
#
# Before timing, it checks that both routes give byte-identical PDFs, so the two commands do
# the same typesetting work. The overhead is reported two ways, each on the fastest run of
# each command (the estimate least disturbed by other load, which only adds time):
#   own work / typst                 datapact's own time; the gate: it fails when this is
#                                    LIMIT per cent (default 10) or more;
#   (datapact − typst) / typst       end to end; noisier (two ~3 s runs), printed with the
#                                    medians and CPU times (user + system, children included).
#
# Environment: RUNS (default 10), WARMUP (default 2), LIMIT (default 10), DATAPACT_TYPST,
# DATAPACT_FONT_PATH. Needs hyperfine (installed with apt-get when missing) and python3.
# Timings are only meaningful on an otherwise idle machine.

set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
LIMIT=${LIMIT:-10}
if [ $# -gt 0 ]; then
  CONFIGS=("$@")
else
  CONFIGS=(examples/mno-displacement.toml examples/ngo-survey.toml tests/fixtures/scripts/multiscript.toml)
fi

if ! command -v hyperfine >/dev/null; then
  echo "installing hyperfine" >&2
  apt-get install -y hyperfine >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null; }
fi

cargo build --release --quiet
BIN=$PWD/target/release/datapact
TYPST=${DATAPACT_TYPST:-$(command -v typst || echo "$HOME/.cargo/bin/typst")}
"$TYPST" --version | grep -q '^typst 0\.15\.' || { echo "error: typst 0.15.x needed at $TYPST" >&2; exit 2; }

WORK=$(mktemp -d -t datapact-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/fonts" "$WORK/packages" "$WORK/home"

# The same font files datapact stages (FONT_FILES in src/pdf/fonts.rs), from the same places.
IFS=: read -r -a FONT_DIRS <<< "${DATAPACT_FONT_PATH:-/usr/share/fonts/truetype/noto:/usr/share/fonts/opentype/noto:/usr/share/fonts:/usr/local/share/fonts}"
for file in $(grep -o 'file: "[^"]*"' src/pdf/fonts.rs | cut -d'"' -f2); do
  found=$(find "${FONT_DIRS[@]}" -maxdepth 4 -name "$file" -print -quit 2>/dev/null || true)
  [ -n "$found" ] || { echo "error: font $file not found (run bash .ci/setup)" >&2; exit 2; }
  ln "$found" "$WORK/fonts/$file" 2>/dev/null || cp "$found" "$WORK/fonts/$file"
done

# One creation timestamp for both routes (datapact passes SOURCE_DATE_EPOCH to typst).
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}

status=0
summary=""
for config in "${CONFIGS[@]}"; do
  name=$(basename "$config" .toml)
  emit="$WORK/emit-$name"
  "$BIN" generate "$config" -o "$emit" --format pdf --emit-typ 2>/dev/null
  typ=$(ls "$emit"/*.typ)
  ref=$(basename "$typ" .typ)
  root="$WORK/root-$name"
  mkdir -p "$root"
  cp "$typ" "$root/main.typ"
  cp "$emit/$ref.meta.json" "$root/meta.json"

  typst_cmd="env -i PATH=/usr/bin:/bin HOME=$WORK/home HTTPS_PROXY=http://127.0.0.1:9 $TYPST compile --root $root --ignore-system-fonts --font-path $WORK/fonts --package-path $WORK/packages --package-cache-path $WORK/packages --diagnostic-format short --creation-timestamp $SOURCE_DATE_EPOCH $root/main.typ $WORK/typst-$name.pdf"
  datapact_cmd="$BIN generate $config -o $WORK/out-$name --format md,pdf"
  sed "s|@PDF@|$emit/$ref.pdf|" benches/pdf-overhead/stub-typst.sh > "$WORK/stub-$name"
  chmod +x "$WORK/stub-$name"
  own_cmd="$BIN generate $config -o $WORK/own-$name --format md,pdf --typst $WORK/stub-$name"

  eval "$typst_cmd"
  if ! cmp -s "$WORK/typst-$name.pdf" "$emit/$ref.pdf"; then
    echo "error: $config: typst compile of the emitted input does not give datapact's PDF; the comparison would be unfair" >&2
    exit 2
  fi
  pages=$(pdfinfo "$emit/$ref.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}' || echo "?")

  echo "== $config ($ref, ${pages} pages)"
  hyperfine --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$WORK/$name.json" \
    -n typst "$typst_cmd" -n datapact "$datapact_cmd" -n "own work" "$own_cmd" >&2

  line=$(python3 - "$WORK/$name.json" "$LIMIT" "$config" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
limit, config = float(sys.argv[2]), sys.argv[3]
t, d, o = r["typst"], r["datapact"], r["own work"]
pct = lambda a, b: a / b * 100
cpu = lambda x: x["user"] + x["system"]
own = pct(o["min"], t["min"])
row = lambda label, x: f"  {label:<15} min {x['min']*1000:6.0f}  median {x['median']*1000:6.0f}  mean {x['mean']*1000:6.0f} ± {x['stddev']*1000:4.0f}  cpu {cpu(x)*1000:6.0f}   (ms)"
print(f"{config}\n{row('typst compile', t)}\n{row('datapact (pdf)', d)}\n{row('own work', o)}\n"
      f"  overhead        own work {own:.1f} % of typst ({o['min']*1000:.0f} ms){'' if own < limit else '   <-- over the limit'}, "
      f"{pct(cpu(o), cpu(t)):.1f} % in CPU time; "
      f"end to end {pct(d['min'] - t['min'], t['min']):+.1f} % (fastest), {pct(d['median'] - t['median'], t['median']):+.1f} % (medians), "
      f"{pct(cpu(d) - cpu(t), cpu(t)):+.1f} % (CPU)")
sys.exit(0 if own < limit else 1)
EOF
) || status=1
  summary+="$line"$'\n'
done

echo
echo "datapact overhead over typst (limit ${LIMIT} %):"
printf '%s' "$summary"
exit $status
