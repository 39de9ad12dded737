//! The `datapact` binary: parse arguments, run the command, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

// Rendering allocates many short-lived strings and maps; glibc's allocator spent a quarter of
// a Markdown batch in malloc/free, and contends between rayon's threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = datapact::cli::Cli::parse();
    datapact::cmd::dispatch(cli)
}
