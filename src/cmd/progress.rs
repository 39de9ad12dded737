//! The progress of `datapact batch`: a bar on a terminal, a line per agreement otherwise,
//! nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::Mutex;

use super::batch::Outcome;

/// A progress bar on a terminal; plain lines otherwise; nothing with `--quiet`.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    plain: Option<Mutex<u64>>,
    len: u64,
}

impl Progress {
    pub(super) fn new(len: u64, quiet: bool) -> Progress {
        if quiet {
            return Progress {
                bar: None,
                plain: None,
                len,
            };
        }
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(len);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}")
            {
                bar.set_style(style);
            }
            Progress {
                bar: Some(bar),
                plain: None,
                len,
            }
        } else {
            Progress {
                bar: None,
                plain: Some(Mutex::new(0)),
                len,
            }
        }
    }

    pub(super) fn tick(&self, name: &str, outcome: &Outcome) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(name.to_owned());
        } else if let Some(done) = &self.plain {
            let what = match outcome {
                Outcome::Built => "built",
                Outcome::UpToDate => "up to date",
                Outcome::Failed(_) => "failed",
            };
            let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
            *done += 1;
            note!("[{}/{}] {name}: {what}", *done, self.len);
        }
    }

    /// Run `f` (which prints) with the bar out of the way.
    pub(super) fn suspend(&self, f: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
