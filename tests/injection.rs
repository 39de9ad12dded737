//! Injection: hostile text in every string field of a config must come out literally, or be
//! refused with a clear `config::forbidden-character` diagnostic. Never a panic, never template
//! evaluation, never a change to the document's structure, and never a file read from outside.
//!
//! (a) Markdown, in process, with proptest: generated strings (ASCII punctuation, letters,
//!     digits, spaces, Arabic, Hebrew, CJK, Devanagari, Ethiopic, joiners, and template,
//!     Markdown and Typst attack snippets) are written into the config's fields; the Markdown is
//!     parsed back with pulldown-cmark and each string must be found among its text.
//! (b) PDF, through the CLI: many generated strings batched into a few configs, read back with
//!     `pdftotext`, plus a canary file that `#read`/`#include` must never reveal.

use std::path::Path;
use std::sync::OnceLock;

use datapact::diag::Diagnostic;
use datapact::library::Library;
use datapact::lint::Check;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PropConfig, RngAlgorithm, TestRng, TestRunner};
use pulldown_cmark::{Event, Parser, Tag};
use serde_json::Value;

/// The starter config, grown to use nearly every free-text field. Final status: a draft would
/// list `check` findings (which depend on the text) in an annex and change the structure.
const BASE: &str = r#"[agreement]
title = "Sharing of aggregated mobility indicators for displacement analysis"
reference = "DSA-2026-001"
status = "final"
version = "1.0"
effective_date = 2026-03-01
governing_law = "the laws of Belgium"
forum = "the courts of Brussels"
background = ["Floods displace people every year."]

[[parties]]
id = "provider"
legal_name = "Example Telecom S.A."
short_name = "Example Telecom"
kind = "company"
country = "BE"
address = "1 Example Avenue, 1000 Brussels"
registration = "BE 0123.456.789"
legal_power = "its articles of association"
certifications = ["ISO/IEC 27001:2022"]
contact = { name = "Privacy Office", title = "Head of Privacy", email = "privacy@telecom.example", phone = "+32 2 555 01 00" }
dpo = { name = "D. Protection", title = "Data Protection Officer", email = "dpo@telecom.example" }
signatories = [{ name = "A. Example", title = "Chief Executive Officer" }]
due_diligence = { date = 2026-01-15, scope = ["reputation"], outcome = "approved_with_conditions", conditions = ["Aggregation runs inside the network."], evidence = ["Memorandum DD-1"] }

[[parties]]
id = "institute"
legal_name = "Example Migration Research Institute"
kind = "research_body"
country = "BE"
address = "2 Example Street, 9000 Ghent"
contact = { name = "Data Lead", email = "data@institute.example" }
signatories = [{ name = "B. Example", title = "Director" }]
due_diligence = { date = 2026-01-20, scope = ["values_alignment", "security_practices"], outcome = "approved" }

[[purposes]]
id = "displacement"
title = "Displacement trends"
description = "Estimate weekly movements of people between provinces after sudden-onset disasters, to inform the planning of shelter capacity by public authorities."
category = "research"
research_questions = ["Where do people go after a flood?"]
indicators = ["weekly province-to-province movement counts"]
methods = ["origin-destination analysis"]
expected_benefits = "Shelter and services planned where displaced people actually go."
necessity = "No other source reports movements within days."

[[datasets]]
id = "od_matrix"
title = "Origin-destination matrix"
description = "Weekly counts of subscribers moving between provinces, with cells under 15 suppressed."
provider = "provider"
data_subjects = ["mobile subscribers"]
data_categories = ["mobility"]
identifiability = "pseudonymised"
fields = ["origin province"]
known_limitations = ["Subscribers with two SIM cards are counted twice."]
min_cell_size = 15
provenance = { original_controller = "provider", original_purpose = "network operation and billing", original_basis = "contract", collection_period = "2024 to 2026" }

[[legal_bases]]
party = "provider"
purpose = "displacement"
basis = "legitimate_interests"
reference = "LIA-2026-01"

[[legal_bases]]
party = "institute"
purpose = "displacement"
basis = "legitimate_interests"
reference = "LIA-2026-02"

[[flows]]
id = "f1"
from = "provider"
to = "institute"
datasets = ["od_matrix"]
purposes = ["displacement"]
frequency = "periodic"
interval = "P7D"
method = "sftp"
encryption_in_transit = "SFTP with key-based authentication"
authorised_personnel = ["the institute's data team"]
instructions = "Load the files into the secure enclave only."

[transparency]
notices = [{ party = "provider", channel = "the operator's privacy notice", timing = "before the first extract", languages = ["French"] }, { party = "institute", channel = "the institute project page", timing = "before the first extract", languages = ["French"] }]

[consent]
relied_on = false
rationale = "The data is aggregated before it leaves the operator."
community_engagement = "Community meetings in each province."

[dpia]
status = "completed"
reference = "DPIA-7"
date = 2026-02-01
risk_benefit_summary = "Benefits outweigh the residual risks."
risks = [{ risk = "Re-identification of small groups", measure = "Suppression of small cells" }]

[[storage]]
party = "institute"
country = "BE"
location = "the institute's secure enclave"
hosted_by = "the institute"
datasets = ["od_matrix"]

[security]
encryption_at_rest = "AES-256 full-disk encryption"
measures = [
    { category = "identification_authorisation", description = "Named accounts with two-factor authentication for every analyst.", applies_to = ["institute"] },
    { category = "confidentiality_integrity", description = "Files are checked against signed hashes on arrival.", applies_to = ["institute"] },
    { category = "restore", description = "Encrypted backups are restored in a test every quarter.", applies_to = ["institute"] },
    { category = "testing", description = "An external firm tests the enclave every year.", applies_to = ["institute"] },
    { category = "logging", description = "Every access to the data is logged and reviewed monthly.", applies_to = ["institute"] },
]

[use_restrictions]
additional_prohibitions = ["No targeting of individuals."]
permitted_linkage = ["census population counts"]

[outputs]
attribution = "Contains data from Example Telecom."
licence = "CC BY 4.0"

[[retention]]
dataset = "od_matrix"
period = "P24M"
disposal = "delete"
method = "secure deletion with overwrite"
legal_hold = "unless a court orders otherwise"

[[retention]]
dataset = "derived"
period = "P24M"
disposal = "delete"
method = "secure deletion of derived tables"
"#;

/// Every free-text field of [`BASE`]: each is written into the Markdown, except [`NOT_IN_MARKDOWN`].
const FREE_TEXT: &[&str] = &[
    "/agreement/title",
    "/agreement/version",
    "/agreement/governing_law",
    "/agreement/forum",
    "/agreement/background/0",
    "/parties/0/legal_name",
    "/parties/0/short_name",
    "/parties/0/address",
    "/parties/0/registration",
    "/parties/0/legal_power",
    "/parties/0/certifications/0",
    "/parties/0/contact/name",
    "/parties/0/contact/title",
    "/parties/0/contact/email",
    "/parties/0/contact/phone",
    "/parties/0/dpo/name",
    "/parties/0/dpo/title",
    "/parties/0/dpo/email",
    "/parties/0/signatories/0/name",
    "/parties/0/signatories/0/title",
    "/parties/0/due_diligence/conditions/0",
    "/parties/0/due_diligence/evidence/0",
    "/parties/1/legal_name",
    "/parties/1/address",
    "/parties/1/contact/name",
    "/parties/1/contact/email",
    "/parties/1/signatories/0/name",
    "/parties/1/signatories/0/title",
    "/purposes/0/title",
    "/purposes/0/description",
    "/purposes/0/research_questions/0",
    "/purposes/0/indicators/0",
    "/purposes/0/methods/0",
    "/purposes/0/expected_benefits",
    "/purposes/0/necessity",
    "/datasets/0/title",
    "/datasets/0/description",
    "/datasets/0/data_subjects/0",
    "/datasets/0/fields/0",
    "/datasets/0/known_limitations/0",
    "/datasets/0/provenance/original_purpose",
    "/datasets/0/provenance/original_basis",
    "/datasets/0/provenance/collection_period",
    "/flows/0/encryption_in_transit",
    "/flows/0/authorised_personnel/0",
    "/flows/0/instructions",
    "/transparency/notices/0/channel",
    "/transparency/notices/0/timing",
    "/transparency/notices/0/languages/0",
    "/transparency/notices/1/channel",
    "/transparency/notices/1/timing",
    "/transparency/notices/1/languages/0",
    "/legal_bases/0/reference",
    "/legal_bases/1/reference",
    "/consent/rationale",
    "/consent/community_engagement",
    "/dpia/reference",
    "/dpia/risk_benefit_summary",
    "/dpia/risks/0/risk",
    "/dpia/risks/0/measure",
    "/storage/0/location",
    "/storage/0/hosted_by",
    "/security/encryption_at_rest",
    "/security/measures/0/description",
    "/security/measures/1/description",
    "/security/measures/2/description",
    "/security/measures/3/description",
    "/security/measures/4/description",
    "/use_restrictions/additional_prohibitions/0",
    "/use_restrictions/permitted_linkage/0",
    "/outputs/attribution",
    "/outputs/licence",
    "/retention/0/method",
    "/retention/0/legal_hold",
    "/retention/1/method",
];

/// Free-text fields the built-in clauses do not print for this config (processor instructions
/// only appear in controller-to-processor agreements).
const NOT_IN_MARKDOWN: &[&str] = &["/flows/0/instructions"];

/// Attack snippets: template syntax, Markdown, HTML, Typst, and defined-term markup.
const ATTACKS: &[&str] = &[
    "{{ x }}",
    "{{ config.agreement.title }}",
    "{% if true %}yes{% endif %}",
    "{% raw %}",
    "{# comment #}",
    "{%- set x = 1 -%}",
    "*bold*",
    "**strong**",
    "_emph_",
    "__u__",
    "# heading",
    "## Section {#injected}",
    "[x](y)",
    "[link](#definitions)",
    "![img](http://example.org/i.png)",
    "<b>",
    "</p>",
    "<script>alert(1)</script>",
    "<Controller>",
    "\"\"Controller\"\"",
    "\"\"Data Subject\"\"",
    "|",
    "| a | b |",
    "---",
    "> quote",
    "- item",
    "1. one",
    "2) two",
    "[^1]",
    ": def",
    "~~strike~~",
    "&amp;",
    "&#42;",
    "\\",
    "\\*",
    "#read(\"/etc/passwd\")",
    "#include \"x\"",
    "#import \"@preview/x:0.1.0\": *",
    "#let x = 1",
    "#{ panic() }",
    "`code`",
    "```",
    "$x$",
    "$",
    "<label>",
    "@ref",
    "//",
    "/*",
    "*/",
    "= Heading",
    "\\u{41}",
    "'single' \"double\"",
    "a_b*c",
];

/// Characters `config::forbidden-character` must refuse (one of each class).
const FORBIDDEN: &[char] = &[
    '\u{202A}',
    '\u{202B}',
    '\u{202C}',
    '\u{202D}',
    '\u{202E}', // embeddings and overrides
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}', // isolates
    '\u{200E}',
    '\u{200F}',
    '\u{061C}', // direction marks
    '\u{200B}',
    '\u{2060}',
    '\u{FEFF}',
    '\u{180E}',
    '\u{2062}', // zero-width
    '\u{00AD}', // soft hyphen
    '\u{FFF9}',
    '\u{E0041}', // invisible format
    '\u{FDD0}',
    '\u{FFFE}',
    '\u{10FFFF}', // noncharacters
    '\0',
    '\u{7}',
    '\u{1B}',
    '\u{7F}',
    '\u{85}',
    '\t',
    '\r', // control characters
];

// ---------------------------------------------------------------------------
// Helpers

fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| Library::builtin().expect("built-in library"))
}

/// A TOML basic string holding `s` exactly.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || c == '\u{7F}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// [`BASE`] with the string values at the given JSON pointers replaced.
fn config_with(values: &[(&str, String)]) -> String {
    let loaded = datapact::load::load_str(Path::new("base.toml"), BASE).expect("base config loads");
    let mut edits: Vec<(std::ops::Range<usize>, String)> = values
        .iter()
        .map(|(p, v)| {
            (
                loaded
                    .spans
                    .value_span(p)
                    .unwrap_or_else(|| panic!("no span for {p}")),
                toml_string(v),
            )
        })
        .collect();
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut text = BASE.to_owned();
    for (r, v) in edits {
        text.replace_range(r, &v);
    }
    text
}

/// Load, check and render config text; the Markdown, or every diagnostic.
fn render(text: &str) -> Result<String, Vec<Diagnostic>> {
    let loaded = datapact::load::load_str(Path::new("inj.toml"), text)?;
    let model = datapact::model::build(loaded)?;
    let check = Check::run(&model);
    datapact::render::render(&model, library(), &check).map(|r| r.markdown)
}

/// The Markdown's structure and its text (line breaks read as spaces). The structure is what
/// a value could inject: headings with their ids, links with their targets, and how many of
/// each kind of markup there are. Paragraphs are left out: `check` findings (which depend on
/// the text, e.g. a description's word count) add a paragraph to the safeguards annex.
fn parse(md: &str) -> (Vec<String>, String) {
    let mut skeleton = Vec::new();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    let mut text = String::new();
    for ev in Parser::new_ext(md, datapact::render::markdown_options()) {
        match ev {
            Event::Text(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::Start(Tag::Heading { level, id, .. }) => {
                skeleton.push(format!("heading {level:?} {id:?}"))
            }
            Event::Start(Tag::Link { dest_url, .. }) => skeleton.push(format!("link {dest_url}")),
            Event::Start(Tag::Paragraph) | Event::End(_) => {}
            Event::Start(tag) => *counts.entry(variant(&format!("{tag:?}"))).or_default() += 1,
            other => *counts.entry(variant(&format!("{other:?}"))).or_default() += 1,
        }
    }
    skeleton.extend(counts.into_iter().map(|(k, n)| format!("{k}: {n}")));
    (skeleton, text)
}

fn variant(debug: &str) -> String {
    debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or(debug)
        .to_owned()
}

fn headings(skeleton: &[String]) -> Vec<&String> {
    skeleton
        .iter()
        .filter(|s| s.starts_with("heading "))
        .collect()
}

/// The base agreement's structure.
fn baseline() -> &'static Vec<String> {
    static B: OnceLock<Vec<String>> = OnceLock::new();
    B.get_or_init(|| {
        let md = render(BASE).unwrap_or_else(|d| panic!("base config renders: {d:#?}"));
        parse(&md).0
    })
}

fn first_forbidden(s: &str, pointer: &str) -> Option<(usize, char)> {
    let key = pointer
        .rsplit('/')
        .find(|seg| !seg.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or("");
    // The same rule as the loader: single-line fields refuse line breaks too.
    let single = [
        "id",
        "legal_name",
        "short_name",
        "name",
        "title",
        "reference",
        "version",
        "email",
        "phone",
        "country",
        "registration",
        "address",
        "effective_date",
        "date",
        "recipient",
        "attribution",
        "licence",
    ]
    .contains(&key);
    s.chars()
        .enumerate()
        .find_map(|(i, c)| datapact::model::forbidden_char(c, !single).map(|_| (i, c)))
}

/// The property: hostile values either come out literally with the structure unchanged, or are
/// refused with `config::forbidden-character` naming each offending field and character.
fn check_values(values: &[(&str, String)]) -> Result<(), TestCaseError> {
    let text = config_with(values);
    let expected_refusals: Vec<(String, usize, char)> = values
        .iter()
        .filter_map(|(p, v)| {
            first_forbidden(v, p).map(|(i, c)| (datapact::load::pointer_to_field(p), i, c))
        })
        .collect();
    match render(&text) {
        Err(diags) => {
            prop_assert!(
                !expected_refusals.is_empty(),
                "refused although every value is allowed: {diags:#?}"
            );
            for d in &diags {
                prop_assert_eq!(
                    d.code.as_str(),
                    "config::forbidden-character",
                    "unexpected diagnostic {:#?}",
                    d
                );
            }
            prop_assert_eq!(diags.len(), expected_refusals.len(), "{:#?}", diags);
            for (field, i, c) in &expected_refusals {
                let needle = format!("U+{:04X} at character {} of `{field}`", *c as u32, i + 1);
                prop_assert!(
                    diags.iter().any(|d| d.message.contains(&needle)
                        && d.field.as_deref() == Some(field.as_str())
                        && d.location.is_some()),
                    "no diagnostic says `{}`: {:#?}",
                    needle,
                    diags
                );
            }
        }
        Ok(md) => {
            prop_assert!(
                expected_refusals.is_empty(),
                "{expected_refusals:?} were accepted"
            );
            let (skeleton, body) = parse(&md);
            let base = baseline();
            prop_assert_eq!(headings(&skeleton), headings(base), "headings changed");
            prop_assert!(
                &skeleton == base,
                "the document's structure changed:\n{}",
                first_difference(base, &skeleton)
            );
            for (p, v) in values {
                if !NOT_IN_MARKDOWN.contains(p) {
                    prop_assert!(
                        body.contains(v.as_str()),
                        "{p} = {v:?} does not come out literally"
                    );
                }
            }
        }
    }
    Ok(())
}

fn first_difference(a: &[String], b: &[String]) -> String {
    let i = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    format!("at item {i}: expected {:?}, got {:?}", a.get(i), b.get(i))
}

// ---------------------------------------------------------------------------
// Strategies

/// One piece of text: a run of one script, or an attack snippet.
fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ -~]{1,10}",                                   // printable ASCII: all punctuation
        2 => "[a-zA-Z0-9]{1,8}",
        1 => "[\u{0621}-\u{064A}]{2,6}",                      // Arabic
        1 => "[\u{05D0}-\u{05EA}]{2,6}",                      // Hebrew
        1 => "[\u{4E00}-\u{4FFF}]{1,4}",                      // CJK
        1 => "([\u{0915}-\u{0939}][\u{093E}-\u{094C}]?){1,3}", // Devanagari syllables
        1 => "[\u{1200}-\u{1248}]{1,5}",                      // Ethiopic
        1 => "[àéîõüßçñøåÆŒ]{1,3}",
        1 => "ک\u{200C}ه|ق\u{200D}|क्\u{200D}ष",            // joiners, which scripts need
        4 => proptest::sample::select(ATTACKS).prop_map(str::to_owned),
    ]
}

/// A value: a few atoms, with or without spaces, trimmed (Markdown drops edge spaces).
fn value() -> impl Strategy<Value = String> {
    (proptest::collection::vec((atom(), any::<bool>()), 1..5)).prop_map(|atoms| {
        let mut s = String::new();
        for (a, space) in atoms {
            s.push_str(&a);
            if space {
                s.push(' ');
            }
        }
        let s = s.trim().to_owned();
        if s.is_empty() { "x".to_owned() } else { s }
    })
}

/// A value that now and then carries a forbidden character.
fn maybe_forbidden() -> impl Strategy<Value = String> {
    (
        value(),
        proptest::option::weighted(
            0.15,
            (
                proptest::sample::select(FORBIDDEN),
                any::<prop::sample::Index>(),
            ),
        ),
    )
        .prop_map(|(v, bad)| match bad {
            None => v,
            Some((c, at)) => {
                let chars: Vec<char> = v.chars().collect();
                let i = at.index(chars.len() + 1);
                chars[..i]
                    .iter()
                    .chain([c].iter())
                    .chain(chars[i..].iter())
                    .collect()
            }
        })
}

fn runner(cases: u32) -> TestRunner {
    let config = PropConfig {
        cases,
        failure_persistence: None,
        ..PropConfig::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

// ---------------------------------------------------------------------------
// (a) Markdown

#[test]
fn free_text_fields_are_classified() {
    // Every string in BASE is either free text (listed) or a checked value (an id, a reference,
    // an enum, a date, a duration or a country code), so no field escapes these tests.
    let loaded = datapact::load::load_str(Path::new("base.toml"), BASE).unwrap();
    let mut all = Vec::new();
    fn walk(v: &Value, p: String, out: &mut Vec<String>) {
        match v {
            Value::String(_) => out.push(p),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| walk(x, format!("{p}/{i}"), out)),
            Value::Object(m) => m.iter().for_each(|(k, x)| walk(x, format!("{p}/{k}"), out)),
            _ => {}
        }
    }
    walk(&loaded.raw, String::new(), &mut all);
    let checked_keys = [
        "id",
        "basis",
        "purpose",
        "reference",
        "status",
        "effective_date",
        "kind",
        "country",
        "date",
        "scope",
        "outcome",
        "category",
        "data_categories",
        "identifiability",
        "original_controller",
        "provider",
        "from",
        "to",
        "datasets",
        "purposes",
        "frequency",
        "interval",
        "party",
        "applies_to",
        "dataset",
        "period",
        "disposal",
    ];
    for p in &all {
        if FREE_TEXT.contains(&p.as_str()) || *p == "/flows/0/method" {
            continue;
        }
        let key = p
            .rsplit('/')
            .find(|s| !s.chars().all(|c| c.is_ascii_digit()))
            .unwrap();
        assert!(
            checked_keys.contains(&key) && *p != "/dpia/reference",
            "{p} is neither listed as free text nor a checked value"
        );
    }
    for p in FREE_TEXT {
        assert!(all.iter().any(|a| a == p), "{p} is not in the base config");
    }
}

#[test]
fn one_field_at_a_time() {
    let mut runner = runner(40);
    let strategy = (proptest::sample::select(FREE_TEXT), maybe_forbidden());
    runner
        .run(&strategy, |(field, v)| check_values(&[(field, v)]))
        .unwrap();
}

#[test]
fn every_field_at_once() {
    let mut runner = runner(12);
    let strategy = proptest::collection::vec(maybe_forbidden(), FREE_TEXT.len());
    runner
        .run(&strategy, |vs| {
            let values: Vec<(&str, String)> = FREE_TEXT.iter().copied().zip(vs).collect();
            check_values(&values)
        })
        .unwrap();
}

#[test]
fn every_attack_snippet_in_every_field() {
    // Deterministic: snippet k goes into field k (mod), so each snippet meets several fields
    // and each field several snippets, in a few renders.
    for round in 0..3 {
        let values: Vec<(&str, String)> = FREE_TEXT
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    *p,
                    ATTACKS[(i + round * FREE_TEXT.len()) % ATTACKS.len()].to_owned(),
                )
            })
            .collect();
        check_values(&values).unwrap();
    }
}

/// Hostile text in checked fields (ids, references, enums, dates, durations, country codes):
/// a diagnostic pointing into the file, never a panic.
#[test]
fn checked_fields_refuse_hostile_text() {
    const CHECKED: &[&str] = &[
        "/agreement/reference",
        "/agreement/status",
        "/agreement/effective_date",
        "/parties/0/id",
        "/parties/0/kind",
        "/parties/0/country",
        "/purposes/0/id",
        "/datasets/0/provider",
        "/flows/0/from",
        "/flows/0/datasets/0",
        "/flows/0/interval",
        "/retention/0/period",
        "/storage/0/country",
    ];
    let mut runner = runner(24);
    let strategy = (proptest::sample::select(CHECKED), maybe_forbidden());
    runner
        .run(&strategy, |(field, v)| {
            let text = config_with(&[(field, v.clone())]);
            match render(&text) {
                // Only a value that is valid there (e.g. a plain reference) is accepted.
                Ok(md) => prop_assert!(
                    &parse(&md).0 == baseline(),
                    "{field} = {v:?} changed the structure"
                ),
                Err(diags) => {
                    prop_assert!(!diags.is_empty());
                    for d in &diags {
                        prop_assert!(d.location.is_some(), "no location: {d:#?}");
                        prop_assert!(d.code.starts_with("config::"), "{d:#?}");
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn defined_term_markup_in_values_stays_literal() {
    // `""Term""` defines a term and `<Term>` uses one in clause templates; in a value they are
    // text.
    for v in [
        "\"\"Controller\"\"",
        "He said \"\"Data Subject\"\" twice",
        "<Controller> and <Personal Data>",
        "\"\"\"\"",
        "\"\"A\"\"B\"\"",
    ] {
        for field in [
            "/purposes/0/description",
            "/parties/0/legal_name",
            "/datasets/0/title",
        ] {
            check_values(&[(field, v.to_owned())]).unwrap();
        }
    }
}

#[test]
fn very_long_value() {
    let long: String =
        "Lorem ipsum *dolor* sit {{ amet }}, consectetur #adipiscing elit. ".repeat(1600);
    let long = long.trim().to_owned();
    assert!(long.len() > 100_000);
    check_values(&[("/purposes/0/description", long)]).unwrap();
}

#[test]
fn every_forbidden_character_is_named_with_field_and_position() {
    let fields = [
        "/parties/0/legal_name",
        "/purposes/0/description",
        "/datasets/0/data_subjects/0",
    ];
    let values: Vec<(&str, String)> = FORBIDDEN
        .iter()
        .enumerate()
        .map(|(i, c)| (fields[i % fields.len()], format!("Name{i} {c}tail")))
        .collect();
    // One character per render, so each diagnostic is checked on its own.
    for (field, v) in values {
        let text = config_with(&[(field, v.clone())]);
        let diags = render(&text).expect_err(&format!("{v:?} accepted"));
        let name = datapact::load::pointer_to_field(field);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let d = &diags[0];
        assert_eq!(d.code, "config::forbidden-character");
        assert_eq!(d.field.as_deref(), Some(name.as_str()));
        let pos = v
            .chars()
            .position(|c| datapact::model::forbidden_char(c, true).is_some())
            .unwrap()
            + 1;
        let c = v.chars().nth(pos - 1).unwrap();
        assert!(
            d.message.contains(&format!(
                "U+{:04X} at character {pos} of `{name}`",
                c as u32
            )),
            "{}",
            d.message
        );
        let loc = d.location.as_ref().expect("location");
        let line = text[..loaded_span(&text, field).start]
            .matches('\n')
            .count()
            + 1;
        assert_eq!(loc.line, line, "{d:#?}");
    }
    // A line break: refused in a one-line field, a space in a multi-line one.
    let d = render(&config_with(&[(
        "/parties/0/legal_name",
        "Two\nlines".into(),
    )]))
    .unwrap_err();
    assert!(
        d[0].message
            .contains("U+000A at character 4 of `parties[0].legal_name`"),
        "{d:#?}"
    );
    let md = render(&config_with(&[(
        "/purposes/0/description",
        "Two\nlines *here*".into(),
    )]))
    .unwrap();
    assert!(parse(&md).1.contains("Two lines *here*"));
    // Regression: U+2028/U+2029 were accepted in one-line fields, a space in the Markdown but a
    // forced line break in the PDF's title page.
    for c in ['\u{2028}', '\u{2029}'] {
        let d = render(&config_with(&[(
            "/parties/0/legal_name",
            format!("Two{c}lines"),
        )]))
        .unwrap_err();
        assert!(
            d[0].message.contains(&format!(
                "line break U+{:04X} at character 4 of `parties[0].legal_name`",
                c as u32
            )),
            "{d:#?}"
        );
        let md = render(&config_with(&[(
            "/purposes/0/description",
            format!("Two{c}lines"),
        )]))
        .unwrap();
        assert!(parse(&md).1.contains("Two lines"));
    }
}

fn loaded_span(text: &str, pointer: &str) -> std::ops::Range<usize> {
    datapact::load::load_str(Path::new("x.toml"), text)
        .map(|l| l.spans.value_span(pointer))
        .ok()
        .flatten()
        .or_else(|| {
            // The text does not load (that is the point); find the field in the base instead.
            let base = datapact::load::load_str(Path::new("base.toml"), BASE).ok()?;
            base.spans.value_span(pointer)
        })
        .expect("span")
}

#[test]
fn joiners_are_allowed_and_kept() {
    for v in [
        "می\u{200C}خواهم",
        "क्\u{200D}ष",
        "ZW\u{200C}NJ and ZW\u{200D}J",
    ] {
        check_values(&[
            ("/parties/0/legal_name", v.to_owned()),
            ("/purposes/0/description", v.to_owned()),
        ])
        .unwrap();
    }
}

// ---------------------------------------------------------------------------
// (b) PDF

fn pdftotext(pdf: &Path) -> Option<String> {
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn strip_ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Right-to-left and Indic text: pdftotext may give it in visual order or split clusters.
fn reordered(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{0590}'..='\u{08FF}').contains(&c) || ('\u{0900}'..='\u{097F}').contains(&c))
}

/// The distinct characters, without the direction marks and embeddings pdftotext adds around
/// right-to-left runs.
fn char_set(s: &str) -> std::collections::BTreeSet<char> {
    s.chars()
        .filter(|c| {
            !c.is_whitespace()
                && !('\u{200B}'..='\u{200F}').contains(c)
                && !('\u{202A}'..='\u{202E}').contains(c)
        })
        .collect()
}

#[test]
fn pdf_text_is_literal_and_reads_no_files() {
    let bin = env!("CARGO_BIN_EXE_datapact");
    if std::process::Command::new("typst")
        .arg("--version")
        .output()
        .is_err()
        && std::env::var_os("DATAPACT_TYPST").is_none()
    {
        eprintln!("note: typst not installed; skipping the PDF injection test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let canary = dir.path().join("canary.txt");
    let secret = "CANARY7f3a9bSECRET";
    std::fs::write(&canary, secret).unwrap();
    let canary_path = canary.display().to_string();
    let readers = [
        format!("#read(\"{canary_path}\")"),
        format!("#include \"{canary_path}\""),
        "#read(\"canary.txt\")".to_owned(),
        "#read(\"/etc/passwd\")".to_owned(),
        format!("#image(\"{canary_path}\")"),
        "#import \"@preview/x:0.1.0\": *".to_owned(),
    ];

    // Fields the PDF shows: the body (through Markdown) and the title page (through metadata).
    let shown: Vec<&str> = FREE_TEXT
        .iter()
        .copied()
        .filter(|p| !NOT_IN_MARKDOWN.contains(p))
        .collect();
    let mut runner = runner(1);
    let mut configs = Vec::new();
    let mut expected: Vec<(String, String)> = Vec::new(); // (marker id, value)
    for k in 0..3 {
        let mut values = Vec::new();
        for (i, p) in shown.iter().enumerate() {
            let id = format!("{k}x{i}");
            let v = if k == 0 && i < readers.len() {
                readers[i].clone()
            } else {
                value().new_tree(&mut runner).unwrap().current()
            };
            // Markers around the value find it in the extracted text; the original value keeps
            // the config valid and free of `check` errors (word counts).
            let base_value = datapact::load::load_str(Path::new("b.toml"), BASE)
                .unwrap()
                .raw
                .pointer(p)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned();
            values.push((*p, format!("{base_value} QZ{id}A {v} QZ{id}B")));
            expected.push((id, v));
        }
        let text = config_with(&values).replace(
            "reference = \"DSA-2026-001\"",
            &format!("reference = \"DSA-INJ-{k}\""),
        );
        let path = dir.path().join(format!("inj{k}.toml"));
        std::fs::write(&path, text).unwrap();
        configs.push(path);
    }
    let out_dir = dir.path().join("out");
    let out = std::process::Command::new(bin)
        .args(["generate", "--format", "md,pdf", "-o"])
        .arg(&out_dir)
        .args(&configs)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let mut all_text = String::new();
    for k in 0..3 {
        let md = std::fs::read_to_string(out_dir.join(format!("DSA-INJ-{k}.md"))).unwrap();
        assert!(!md.contains(secret), "the Markdown shows the canary");
        let Some(text) = pdftotext(&out_dir.join(format!("DSA-INJ-{k}.pdf"))) else {
            eprintln!("note: pdftotext not installed; only compilation was checked");
            return;
        };
        assert!(
            !text.contains(secret),
            "the PDF shows the canary file's content"
        );
        assert!(!text.contains("root:x:0:0"), "the PDF shows /etc/passwd");
        all_text.push_str(&text);
    }
    let joined = strip_ws(&all_text);
    let mut problems = Vec::new();
    for (id, v) in &expected {
        let (start, end) = (format!("QZ{id}A"), format!("QZ{id}B"));
        let mut seen = Vec::new();
        for (at, _) in joined.match_indices(&start) {
            let rest = &joined[at + start.len()..];
            match rest.find(&end) {
                Some(e) => seen.push(rest[..e].to_owned()),
                // Visual order may put the end marker first: take what follows.
                None if reordered(v) => seen.push(rest.chars().take(400).collect()),
                None => {}
            }
        }
        // pdftotext joins a word split by hyphenation (soft hyphen) and also drops a literal
        // "-" that ends a line: compare without hyphens when the exact text differs.
        let no_hyphen = |s: &str| {
            s.chars()
                .filter(|c| *c != '-' && *c != '\u{AD}')
                .collect::<String>()
        };
        // Right-to-left runs may be extracted in visual order, which can move the markers past
        // neighbouring text: there, every character of the value must be between the markers.
        let ok = |got: &String| {
            if reordered(v) {
                char_set(&no_hyphen(v)).is_subset(&char_set(got))
            } else {
                *got == strip_ws(v) || no_hyphen(got) == no_hyphen(&strip_ws(v))
            }
        };
        match seen.first() {
            None => problems.push(format!("{v:?} (marker {id}) not found")),
            Some(first) if !seen.iter().any(ok) => {
                problems.push(format!("{v:?} came out as {first:?}"))
            }
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// (c) Word (issue #21): the .docx, read back by pandoc, shows every hostile value literally.

/// The text pandoc reads from a .docx; fails (rather than skips) without pandoc, which
/// `bash .ci/setup` installs.
fn docx_text(docx: &Path) -> String {
    let out = std::process::Command::new("pandoc")
        .args(["-f", "docx", "-t", "plain", "--wrap=none"])
        .arg(docx)
        .output()
        .expect("pandoc is needed to read the .docx back: run `bash .ci/setup`");
    assert!(
        out.status.success(),
        "pandoc cannot read {}: {}",
        docx.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn docx_text_is_literal() {
    let bin = env!("CARGO_BIN_EXE_datapact");
    let dir = tempfile::tempdir().unwrap();
    // Fields the Word document shows: the body (through Markdown) and the cover (metadata).
    let shown: Vec<&str> = FREE_TEXT
        .iter()
        .copied()
        .filter(|p| !NOT_IN_MARKDOWN.contains(p))
        .collect();
    let mut runner = runner(1);
    let mut configs = Vec::new();
    let mut expected: Vec<(String, String)> = Vec::new();
    let mut attack = ATTACKS.iter().cycle();
    for k in 0..3 {
        let mut values = Vec::new();
        for (i, p) in shown.iter().enumerate() {
            let id = format!("{k}x{i}");
            // Every attack snippet first, then generated values of every script.
            let v = match (k, attack.next()) {
                (0 | 1, Some(a)) => (*a).to_owned(),
                _ => value().new_tree(&mut runner).unwrap().current(),
            };
            let base_value = datapact::load::load_str(Path::new("b.toml"), BASE)
                .unwrap()
                .raw
                .pointer(p)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned();
            values.push((*p, format!("{base_value} QZ{id}A {v} QZ{id}B")));
            expected.push((id, v));
        }
        let text = config_with(&values).replace(
            "reference = \"DSA-2026-001\"",
            &format!("reference = \"DSA-DOCX-{k}\""),
        );
        let path = dir.path().join(format!("inj{k}.toml"));
        std::fs::write(&path, text).unwrap();
        configs.push(path);
    }
    let out_dir = dir.path().join("out");
    let out = std::process::Command::new(bin)
        .args(["generate", "--format", "md,docx", "-o"])
        .arg(&out_dir)
        .args(&configs)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let mut all_text = String::new();
    for k in 0..3 {
        all_text.push_str(&docx_text(&out_dir.join(format!("DSA-DOCX-{k}.docx"))));
    }
    // Whitespace aside (a value's own runs of spaces are one in Word, as in Markdown), every
    // value must come out between its markers exactly as written, every time it is shown.
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let joined = squeeze(&all_text);
    let mut problems = Vec::new();
    for (id, v) in &expected {
        let (start, end) = (format!("QZ{id}A "), format!(" QZ{id}B"));
        let mut seen = 0;
        for (at, _) in joined.match_indices(&start) {
            let rest = &joined[at + start.len()..];
            let got = rest.find(&end).map(|e| &rest[..e]);
            if got != Some(squeeze(v).as_str()) {
                problems.push(format!("{v:?} (marker {id}) came out as {got:?}"));
            }
            seen += 1;
        }
        if seen == 0 {
            problems.push(format!("{v:?} (marker {id}) not found"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
