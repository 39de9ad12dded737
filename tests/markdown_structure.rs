//! The Markdown of every example agreement keeps the structure its clauses intend: no line of
//! prose is swallowed into the list item or block quote above it.
//!
//! CommonMark's "lazy continuation" makes a non-blank line directly after a `- item` or a
//! `> quote` line part of that item or quote, so a paragraph that a clause means to stand on
//! its own ends up inside the list or the quote unless a blank line separates them. Templates
//! lose that blank line easily (a `-%}` that strips one newline too many), so every example,
//! and every agreement of the example programme, is checked here.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use datapact::build;

const PROGRAMME: &str = "examples/programme/mno-region.toml";

mod common;
use common::examples;

/// Whether `line` opens a list item (`- `, `* `, `+ `, `1. `, `1) `).
fn is_list_item(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") {
        return true;
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && (t[digits..].starts_with(". ") || t[digits..].starts_with(") "))
}

fn is_quote(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Lines that may directly follow a list item or a quote line without being swallowed as a
/// lazy continuation: a blank line, another item or quote line, a table row, an indented
/// continuation that is meant to belong to the item, or an ATX heading (which interrupts
/// any paragraph).
fn may_follow(next: &str) -> bool {
    next.trim().is_empty()
        || is_list_item(next)
        || is_quote(next)
        || next.starts_with('|')
        || next.starts_with(' ')
        || next.starts_with('\t')
        || next.starts_with('#')
}

/// Every place in `md` where a line of prose follows a list item or a quote line directly:
/// (1-based line number, the item or quote line, the swallowed line).
fn lazy_continuations(md: &str) -> Vec<(usize, String, String)> {
    let lines: Vec<&str> = md.lines().collect();
    let mut found = Vec::new();
    let mut fenced = false;
    for (i, pair) in lines.windows(2).enumerate() {
        let (line, next) = (pair[0], pair[1]);
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced {
            continue;
        }
        if (is_list_item(line) || is_quote(line)) && !may_follow(next) {
            found.push((i + 1, line.to_string(), next.to_string()));
        }
    }
    found
}

fn report(name: &str, found: &[(usize, String, String)]) -> String {
    found
        .iter()
        .map(|(n, line, next)| format!("{name}:{n}: {line}\n    swallows: {next}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_checker_finds_lazy_continuations() {
    assert_eq!(
        lazy_continuations("Intro:\n\n- one;\n- two.\nA new paragraph.\n").len(),
        1
    );
    assert_eq!(
        lazy_continuations("> A quote.\nA new paragraph.\n").len(),
        1
    );
    assert_eq!(lazy_continuations("1. first\nmore\n").len(), 1);
    for fine in [
        "- one;\n- two.\n\nA new paragraph.\n",
        "> A quote.\n\nA new paragraph.\n",
        "- an item\n  continued on purpose\n",
        "- an item\n#### A heading\n",
        "| a | b |\n|---|---|\n| - x | y |\n",
        "```\n- code\nnot a list\n```\n",
    ] {
        assert!(lazy_continuations(fine).is_empty(), "{fine:?}");
    }
}

#[test]
fn no_example_agreement_swallows_a_paragraph_into_a_list_or_quote() {
    let mut problems = Vec::new();
    for ex in examples() {
        let p = build::build_file(&ex, None).unwrap_or_else(|d| panic!("{}: {d:#?}", ex.display()));
        let found = lazy_continuations(&p.rendered.markdown);
        if !found.is_empty() {
            problems.push(report(&ex.display().to_string(), &found));
        }
    }
    assert!(
        problems.is_empty(),
        "lazy continuations:\n{}",
        problems.join("\n")
    );
}

#[test]
fn no_programme_agreement_swallows_a_paragraph_into_a_list_or_quote() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("datapact")
        .unwrap()
        .env_remove("SOURCE_DATE_EPOCH")
        .args(["generate", PROGRAMME, "--format", "md", "-o"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut mds: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    mds.sort();
    assert!(mds.len() >= 6, "one agreement per partner: {mds:?}");
    let mut problems = Vec::new();
    for md in &mds {
        let text = std::fs::read_to_string(md).unwrap();
        let found = lazy_continuations(&text);
        if !found.is_empty() {
            let name = Path::new(md.file_name().unwrap()).display().to_string();
            problems.push(report(&name, &found));
        }
    }
    assert!(
        problems.is_empty(),
        "lazy continuations:\n{}",
        problems.join("\n")
    );
}
