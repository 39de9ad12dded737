#!/usr/bin/env bash
# Benchmarks of `datapact batch` (not part of `cargo test`):
#
#   (a) a Markdown-only batch of 1,000 generated partners       target: under 4 s on 2 cores
#   (b) a PDF batch of 50, against the same typst compiles run
#       by hand with `xargs -P <jobs>` (same .typ files, fonts,
#       flags)                                                  target: within 10%
#   (c) a rerun of 100 (Markdown, JSON and PDF) with nothing
#       changed                                                 target: under 0.2 s
#   (d) one agreement to Markdown, the whole process
#       (`generate examples/mno-displacement.toml --format md`)  target: under 35 ms
#
# Usage: bash benches/run.sh [a] [b] [c] [d]   (default: all four)
# Knobs: RUNS (default 3; 10 for c), JOBS (default: number of cores), BENCH_DIR
#        (default target/bench), N_MD (1000), N_PDF (50), N_RERUN (100).
# Needs a release build (done here), and for (b) and (c) typst 0.15.1 and the Noto fonts
# (`bash .ci/setup`). Prints one line per measurement and a summary against the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
which=("$@"); [ ${#which[@]} -eq 0 ] && which=(a b c d)
RUNS=${RUNS:-3}
JOBS=${JOBS:-$(nproc)}
N_MD=${N_MD:-1000}; N_PDF=${N_PDF:-50}; N_RERUN=${N_RERUN:-100}
work=${BENCH_DIR:-$root/target/bench}
mkdir -p "$work"
work=$(cd "$work" && pwd)

cargo build --release --quiet
dp="$root/target/release/datapact"
summary=()

# measure LABEL RUNS PREPARE COMMAND: run COMMAND RUNS times (PREPARE before each, untimed);
# print min, median and mean wall-clock seconds and the median CPU time (user + system, all
# processes: on a shared machine wall-clock time also counts other people's work); set $median.
measure() {
    local label=$1 runs=$2 prepare=$3 cmd=$4 times=() cpus=() t0 t1 c0 c1
    for ((i = 0; i < runs; i++)); do
        eval "$prepare"
        # bash's own clock (microseconds): `$(date …)` would add two forks to every time.
        c0=$(cpu_ticks); t0=${EPOCHREALTIME/[.,]/}
        eval "$cmd"
        t1=${EPOCHREALTIME/[.,]/}; c1=$(cpu_ticks)
        times+=("$(( (t1 - t0) / 1000 ))")
        cpus+=("$(( (c1 - c0) * 1000 / $(getconf CLK_TCK) ))")
    done
    read -r min median mean < <(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1; s+=$1} END {printf "%.3f %.3f %.3f\n", a[1]/1000, a[int((NR+1)/2)]/1000, s/NR/1000}')
    cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}')
    printf '%-56s runs %2d  wall: min %7.3f s  median %7.3f s  mean %7.3f s  (cpu %s s)\n' "$label" "$runs" "$min" "$median" "$mean" "$cpu"
}

# CPU time (user + system, in clock ticks) of this shell's finished children.
cpu_ticks() { awk '{print $16 + $17}' /proc/$$/stat; }

verdict() { awk -v x="$1" -v t="$2" 'BEGIN { print (x <= t ? "met" : "MISSED") }'; }

echo "datapact $($dp --version | awk '{print $2}'), $(nproc) cores, --jobs $JOBS, load average $(cut -d' ' -f1-3 /proc/loadavg)"

for w in "${which[@]}"; do
case $w in
a)
    bash benches/gen-programme.sh "$N_MD" "$work/md"
    # Each run writes into a new, empty folder. Deleting the last run's 2,000 files just before
    # the next run would make ext4 skip over its recently deleted inodes on every file created
    # (kernel time rose from 0.3 s to 4 s a run): a cost of the benchmark's clean-up, not of
    # datapact. The folders are removed when all runs are done.
    rm -rf "$work"/md/out "$work"/md/out-*
    run_no=0
    measure "(a) batch --format md, $N_MD partners, from scratch" "$RUNS" \
        "run_no=\$((run_no + 1)); out='$work/md/out-'\$run_no" \
        "'$dp' batch '$work/md/programme.toml' --format md -q -j $JOBS -o \"\$out\" 2>/dev/null"
    n=$(ls "$out"/*.md | wc -l)
    rm -rf "$work"/md/out-*
    # Each partner's agreement, and the processing terms of the programme's processor.
    [ "$n" -eq "$((N_MD + 1))" ] || { echo "expected $((N_MD + 1)) agreements, got $n"; exit 1; }
    summary+=("(a) $N_MD Markdown agreements: ${median} s (target < 4 s: $(verdict "$median" 4))")
    ;;
b)
    typst_bin=$(command -v typst || echo "$HOME/.cargo/bin/typst")
    bash benches/gen-programme.sh "$N_PDF" "$work/pdf"
    cap="$work/pdf/capture"
    rm -rf "$cap"; mkdir -p "$cap"
    # A typst wrapper that keeps a copy of each compile's root (main.typ, meta.json), its
    # flags and the staged fonts, then runs typst: the inputs of the by-hand baseline.
    cat > "$work/pdf/typst-capture.sh" <<EOF
#!/bin/sh
[ "\$1" = "--version" ] && exec '$typst_bin' "\$@"
prev=""; root=""; fonts=""; ts=""
for a in "\$@"; do
    case "\$prev" in --root) root="\$a" ;; --font-path) fonts="\$a" ;; --creation-timestamp) ts="\$a" ;; esac
    prev="\$a"
done
job=\$(mktemp -d '$cap/job.XXXXXX')
cp -a "\$root/." "\$job/"
echo "\$ts" > "\$job/timestamp"
if mkdir '$cap/fonts.lock' 2>/dev/null; then cp -al "\$fonts" '$cap/fonts' 2>/dev/null || cp -a "\$fonts" '$cap/fonts'; fi
exec '$typst_bin' "\$@"
EOF
    chmod +x "$work/pdf/typst-capture.sh"
    "$dp" batch "$work/pdf/programme.toml" --format md,pdf -q -j "$JOBS" -o "$work/pdf/capture-out" --typst "$work/pdf/typst-capture.sh" 2>/dev/null
    n=$(ls -d "$cap"/job.* | wc -l)
    [ "$n" -eq "$((N_PDF + 1))" ] || { echo "captured $n compiles, expected $((N_PDF + 1))"; exit 1; }
    # The same compiles by hand: same flags as datapact's runner (sandboxed environment,
    # only the staged fonts, empty package path, fixed timestamp), JOBS at a time.
    cat > "$work/pdf/by-hand.sh" <<EOF
#!/bin/sh
# One captured compile: \$1 is its folder.
j=\$1
mkdir -p "\$j/packages"
exec env -i PATH=/usr/bin:/bin HOME="\$j" HTTPS_PROXY=http://127.0.0.1:9 '$typst_bin' compile --root "\$j" --ignore-system-fonts \\
    --font-path '$cap/fonts' --package-path "\$j/packages" --package-cache-path "\$j/packages" \\
    --diagnostic-format short --creation-timestamp "\$(cat "\$j/timestamp")" "\$j/main.typ" "\$j/out.pdf"
EOF
    chmod +x "$work/pdf/by-hand.sh"
    out="$work/pdf/out"
    measure "(b) typst compile by hand, xargs -P $JOBS, $N_PDF PDFs" "$RUNS" "rm -f '$cap'/job.*/out.pdf" \
        "ls -d '$cap'/job.* | xargs -P $JOBS -n 1 '$work/pdf/by-hand.sh'"
    by_hand=$median
    [ "$(ls "$cap"/job.*/out.pdf | wc -l)" -eq "$((N_PDF + 1))" ] || { echo "by-hand compiles failed"; exit 1; }
    measure "(b) batch --format md,pdf, $N_PDF partners, from scratch" "$RUNS" "rm -rf '$out'" \
        "'$dp' batch '$work/pdf/programme.toml' --format md,pdf -q -j $JOBS -o '$out' 2>/dev/null"
    n=$(ls "$out"/*.pdf | wc -l)
    [ "$n" -eq "$((N_PDF + 1))" ] || { echo "expected $((N_PDF + 1)) PDFs, got $n"; exit 1; }
    ratio=$(awk -v a="$median" -v b="$by_hand" 'BEGIN { printf "%.3f", a / b }')
    summary+=("(b) $N_PDF PDFs: batch ${median} s, typst by hand ${by_hand} s, ratio ${ratio} (target <= 1.10: $(verdict "$ratio" 1.10))")
    ;;
c)
    bash benches/gen-programme.sh "$N_RERUN" "$work/rerun"
    out="$work/rerun/out"
    if ! "$dp" batch "$work/rerun/programme.toml" --format md,pdf -q -j "$JOBS" -o "$out" 2>/dev/null; then
        echo "the first build of the rerun benchmark failed"; exit 1
    fi
    measure "(c) rerun, nothing changed, $N_RERUN partners, md,pdf" "${RUNS_C:-10}" ":" \
        "'$dp' batch '$work/rerun/programme.toml' --format md,pdf -q -j $JOBS -o '$out' 2>/dev/null"
    rerun=$median
    grep -q "0 built, $N_RERUN up to date" <("$dp" batch "$work/rerun/programme.toml" --format md,pdf -q -o "$out" 2>&1) || { echo "the rerun rebuilt something"; exit 1; }
    summary+=("(c) rerun of $N_RERUN, nothing changed: ${rerun} s (target < 0.2 s: $(verdict "$rerun" 0.2))")
    ;;
d)
    out="$work/one"
    for ex in examples/mno-displacement.toml examples/ngo-survey.toml; do
        measure "(d) generate $(basename "$ex") --format md" "${RUNS_D:-20}" "rm -rf '$out'" \
            "'$dp' generate '$ex' --format md -o '$out' 2>/dev/null"
        summary+=("(d) one agreement to Markdown ($(basename "$ex")): ${median} s (target < 0.035 s: $(verdict "$median" 0.035))")
    done
    ;;
*) echo "unknown benchmark $w (a, b, c or d)"; exit 2 ;;
esac
done

echo
printf '%s\n' "${summary[@]}"
