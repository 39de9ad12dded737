//! The `datapact` binary: parse arguments, run the command, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = datapact::cli::Cli::parse();
    datapact::cmd::dispatch(cli)
}
