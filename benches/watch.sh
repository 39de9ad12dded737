#!/usr/bin/env bash
# Benchmark of `datapact watch` (not part of `cargo test`): from saving a one-word change of
# a config to the updated PDF on disk, for every example config.   target: median under 0.3 s
#
# For each examples/*.toml: copy it into a scratch folder, start `datapact watch` on the copy
# (Markdown and PDF), wait for the first PDF, then EDITS times (default 6): save the config
# with one word added to (then removed from) the first purpose's description, the way editors
# save (write a new file, rename it over the old one), and poll the output folder every 2 ms
# until a PDF's modification time changes. Prints each example's median and the median of all
# saves. Needs typst 0.15.1 and the Noto fonts (`bash .ci/setup`).
#
# Usage: bash benches/watch.sh    Knobs: EDITS (6), BENCH_DIR (target/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
EDITS=${EDITS:-6}
work=${BENCH_DIR:-$root/target/bench}/watch
rm -rf "$work"; mkdir -p "$work"
cargo build --release --quiet
dp="${CARGO_TARGET_DIR:-$root/target}/release/datapact"

python3 - "$dp" "$work" "$EDITS" examples/*.toml <<'PY'
import os, re, signal, statistics, subprocess, sys, time

dp, work, edits, configs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]

def pdf_times(out):
    try:
        return {f: os.stat(os.path.join(out, f)).st_mtime_ns
                for f in os.listdir(out) if f.endswith(".pdf")}
    except FileNotFoundError:
        return {}

def save(path, text):
    # As editors do: a new file renamed over the old one.
    tmp = path + ".swp~"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)

everything = []
for config in configs:
    name = os.path.splitext(os.path.basename(config))[0]
    folder = os.path.join(work, name)
    os.makedirs(folder)
    target = os.path.join(folder, "agreement.toml")
    original = open(config).read()
    m = re.search(r'^description = "', original, re.M)
    if not m:
        print(f"{name}: no description line to edit; skipped")
        continue
    save(target, original)
    out = os.path.join(folder, "out")
    log = open(os.path.join(folder, "watch.log"), "w")
    proc = subprocess.Popen([dp, "watch", target, "-o", out], stderr=log, stdout=log)
    try:
        deadline = time.time() + 60
        while not pdf_times(out) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        times = []
        for i in range(edits):
            # Add a word to the description, or take it away again.
            text = original if i % 2 else original[:m.end()] + "Namely " + original[m.end():]
            before = pdf_times(out)
            t0 = time.perf_counter()
            save(target, text)
            while True:
                now = pdf_times(out)
                if any(now.get(f) != t for f, t in before.items()):
                    break
                if time.perf_counter() - t0 > 30:
                    raise SystemExit(f"{name}: no PDF update within 30 s (see {folder}/watch.log)")
                time.sleep(0.002)
            times.append(time.perf_counter() - t0)
            time.sleep(0.6)
        everything += times
        print(f"{name:36} median {statistics.median(times):.3f} s  "
              f"(min {min(times):.3f}, max {max(times):.3f}, {len(times)} saves)")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
med = statistics.median(everything)
print(f"all examples: median {med:.3f} s over {len(everything)} saves "
      f"(min {min(everything):.3f}, max {max(everything):.3f}); target under 0.3 s: "
      f"{'met' if med < 0.3 else 'NOT met'}")
PY
