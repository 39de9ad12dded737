//! `datapact watch` (issue #21): an edit of the config regenerates the Markdown and the PDF; a
//! config that no longer loads is reported and the last good PDF is kept; SIGINT stops it and
//! its typst. Needs typst 0.15.1 and the Noto fonts (`bash .ci/setup`).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Stops the watch (and so its typst) even when an assertion fails first.
struct Stop(std::process::Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Polls until `done` holds, for at most 60 s.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_edit_regenerates_markdown_and_pdf_and_a_broken_config_keeps_the_last_pdf() {
    assert!(
        datapact::pdf::Typst::locate(None).is_ok(),
        "typst 0.15.1 is needed: run `bash .ci/setup`"
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("agreement.toml");
    let original = std::fs::read_to_string("examples/ngo-survey.toml").unwrap();
    std::fs::write(&config, &original).unwrap();
    let out = dir.path().join("out");
    let mut guard = Stop(
        Command::new(env!("CARGO_BIN_EXE_datapact"))
            .arg("watch")
            .arg(&config)
            .arg("-o")
            .arg(&out)
            .env_remove("SOURCE_DATE_EPOCH")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let child = &mut guard.0;
    let md = out.join("SRA-JO-2026-HNS.md");
    let pdf = out.join("SRA-JO-2026-HNS.pdf");
    wait_for("the first PDF", || mtime(&pdf).is_some());
    let (md0, pdf0) = (mtime(&md).unwrap(), std::fs::read(&pdf).unwrap());
    std::thread::sleep(Duration::from_millis(300));

    // An editor's save: a new file renamed over the config.
    let edited = original.replacen("Household needs survey", "Household needs census", 1);
    assert_ne!(edited, original);
    let tmp = dir.path().join(".agreement.toml.swp");
    std::fs::write(&tmp, &edited).unwrap();
    std::fs::rename(&tmp, &config).unwrap();
    wait_for("the Markdown and PDF to change", || {
        mtime(&md) != Some(md0) && std::fs::read(&pdf).is_ok_and(|b| b != pdf0)
    });
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .contains("Household needs census")
    );
    let pdf1 = std::fs::read(&pdf).unwrap();
    assert!(pdf1.starts_with(b"%PDF-"));

    // A config that does not load: the error is printed, the last good PDF stays.
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&config, edited.replacen("[agreement]", "[agreement", 1)).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        std::fs::read(&pdf).unwrap(),
        pdf1,
        "the last good PDF was replaced"
    );

    // SIGINT: a clean stop.
    // SAFETY: plain syscall on the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "watch did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "exit {status:?}: {stderr}");
    assert!(
        stderr.contains("agreement.toml:") && stderr.contains("not regenerated"),
        "the broken config was not reported with its place: {stderr}"
    );
    assert!(stderr.contains("stopped watching"), "{stderr}");
}
