#!/bin/sh
# A stand-in for typst, for benches/pdf-overhead.sh: it answers `--version` as typst 0.15.1
# and "compiles" by writing a PDF made earlier (the path is substituted for @PDF@ when the
# bench copies this file), so that `datapact generate --typst <copy>` does all of datapact's
# own work (writing the same PDF bytes included) and none of typst's.
if [ "$1" = "--version" ]; then
  echo "typst 0.15.1 (stub)"
  exit 0
fi
exec cat "@PDF@"
