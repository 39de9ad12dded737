//! The corpus of deals in `tests/deals/`: realistic partnerships of every shape (access mode,
//! nature of the data, kind of use). Each deal has `NAME.expect.toml`; its config is `NAME.toml`
//! beside it, or the example its `config` key names (three deals are also examples). Each
//! generates with `check` free of errors, and its agreement holds every statement of the
//! `must` list and none of the `must_not` list.
//!
//! Statements are matched on the Markdown with emphasis, escapes, quotation marks and heading
//! anchors removed, whitespace collapsed and letters lower-cased.
//!
//! Below, one test per kind of contradiction: each takes a deal, introduces one contradiction,
//! and expects `check` to refuse it with the rule that names it.

use std::path::{Path, PathBuf};

use datapact::build;
use datapact::diag::Severity;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// Where the deal's config is, relative to the crate root, when it is not `NAME.toml`
    /// beside this file (the deals that are also examples live in `examples/`).
    #[serde(default)]
    config: Option<String>,
    summary: String,
    must: Vec<String>,
    must_not: Vec<String>,
}

/// Every deal: its name, its config and its expectations.
fn deals() -> Vec<(String, PathBuf, Expect)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v: Vec<(String, PathBuf, Expect)> = std::fs::read_dir(root.join("tests/deals"))
        .expect("tests/deals exists")
        .map(|e| e.expect("readable").path())
        .filter_map(|p| {
            let name = p
                .file_name()?
                .to_str()?
                .strip_suffix(".expect.toml")?
                .to_owned();
            let expect: Expect = toml::from_str(
                &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let config = match &expect.config {
                Some(c) => root.join(c),
                None => p.with_file_name(format!("{name}.toml")),
            };
            assert!(
                config.is_file(),
                "{name}: no config at {}",
                config.display()
            );
            Some((name, config, expect))
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The config of the deal called `name`.
fn deal_config(name: &str) -> PathBuf {
    deals()
        .into_iter()
        .find(|d| d.0 == name)
        .unwrap_or_else(|| panic!("no deal {name}"))
        .1
}

/// The text statements are matched against.
fn plain(md: &str) -> String {
    let mut s = String::with_capacity(md.len());
    let mut rest = md;
    // Heading anchors: ` {#id}`.
    while let Some(i) = rest.find("{#") {
        s.push_str(&rest[..i]);
        rest = match rest[i..].find('}') {
            Some(j) => &rest[i + j + 1..],
            None => "",
        };
    }
    s.push_str(rest);
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, '*' | '\\' | '“' | '”' | '"'))
        .collect();
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn squash(s: &str) -> String {
    plain(s)
}

#[test]
fn the_corpus_covers_every_access_mode_nature_and_kind_of_use() {
    let mut access = std::collections::BTreeSet::new();
    let mut nature = std::collections::BTreeSet::new();
    let mut uses = std::collections::BTreeSet::new();
    for (_, d, _) in deals() {
        let a = build::build_file(&d, None).unwrap_or_else(|e| panic!("{}: {e:#?}", d.display()));
        for f in &a.model.derived.flows {
            access.insert(f.access.as_str());
        }
        for ds in &a.model.config().datasets {
            nature.insert(ds.identifiability.as_str());
            if ds.group_sensitive {
                nature.insert("group_sensitive");
            }
            if let Some(c) = ds.confidentiality {
                nature.insert(c.as_str());
            }
        }
        for u in &a.model.derived.uses {
            uses.insert(u.as_str());
        }
    }
    assert!(deals().len() >= 12, "at least 12 deals");
    for m in ["copy", "remote_access", "code_to_data", "on_premises"] {
        assert!(access.contains(m), "no deal uses access {m}: {access:?}");
    }
    for n in [
        "identified",
        "pseudonymised",
        "aggregated",
        "non_personal",
        "group_sensitive",
        "statistical",
        "commercial",
    ] {
        assert!(
            nature.contains(n),
            "no deal has data that is {n}: {nature:?}"
        );
    }
    for u in [
        "research",
        "delivery",
        "official_functions",
        "emergency",
        "audit",
    ] {
        assert!(
            uses.contains(u),
            "no deal has a purpose of use {u}: {uses:?}"
        );
    }
}

#[test]
fn every_deal_is_check_clean_and_says_what_it_must_and_nothing_it_must_not() {
    let mut failures = Vec::new();
    for (name, d, expect) in deals() {
        assert!(!expect.summary.trim().is_empty());
        assert!(
            !expect.must.is_empty() && !expect.must_not.is_empty(),
            "{name}"
        );
        let a = match build::build_file(&d, None) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{name}: not built: {e:#?}"));
                continue;
            }
        };
        for f in a
            .check
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            failures.push(format!("{name}: check error {}", f.short()));
        }
        let text = plain(&a.rendered.markdown);
        for m in &expect.must {
            if !text.contains(&squash(m)) {
                failures.push(format!("{name}: must say {m:?}"));
            }
        }
        for m in &expect.must_not {
            if text.contains(&squash(m)) {
                failures.push(format!("{name}: must not say {m:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Build a deal with one edit made to its config, and return the ids of the check errors.
fn errors_after(deal: &str, from: &str, to: &str) -> Vec<String> {
    let path = deal_config(deal);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{deal}: {from:?} not found");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(format!("{deal}.toml"));
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    match build::build_file(&p, None) {
        Ok(a) => a
            .check
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.code.clone())
            .collect(),
        Err(ds) => ds.into_iter().map(|d| d.code).collect(),
    }
}

#[test]
fn a_clause_that_forbids_the_purpose_is_refused() {
    // The research-only prohibition on deciding about a person, forced into a cash programme
    // whose purpose is to pay people.
    let errs = errors_after(
        "cash-assistance-mobile-money",
        "[[parties]]",
        "[clauses]\ninclude = [\"use-research-only\"]\n\n[[parties]]",
    );
    assert!(errs.iter().any(|e| e == "FIT-001"), "{errs:?}");
    // The ban on donor access in an audit by the donor's monitor.
    let errs = errors_after(
        "donor-audit-verification",
        "[[parties]]",
        "[clauses]\ninclude = [\"use-no-donor-access\"]\n\n[[parties]]",
    );
    assert!(errs.iter().any(|e| e == "FIT-001"), "{errs:?}");
    // The ban on use for immigration decisions where a ministry's official functions are the
    // purpose.
    let errs = errors_after(
        "host-government-registration",
        "[[parties]]",
        "[clauses]\ninclude = [\"use-no-enforcement\"]\n\n[[parties]]",
    );
    assert!(errs.iter().any(|e| e == "FIT-001"), "{errs:?}");
}

#[test]
fn a_clause_whose_fact_the_config_contradicts_is_refused() {
    // A register of legal bases, for statistics about enterprises.
    let errs = errors_after(
        "official-statistics-enterprises",
        "[[parties]]",
        "[clauses]\ninclude = [\"annex-legal-basis-register\"]\n\n[[parties]]",
    );
    assert!(errs.iter().any(|e| e == "FIT-002"), "{errs:?}");
}

#[test]
fn storage_at_a_party_that_only_has_access_is_refused() {
    // The researchers work inside the authority's environment: storage of the microdata at
    // the university would make the agreement say it holds them.
    let errs = errors_after(
        "secure-environment-pseudonymised",
        "\ndatasets = [\"derived\"]",
        "\ndatasets = [\"returns\"]",
    );
    assert!(errs.iter().any(|e| e == "FIT-004"), "{errs:?}");
}

#[test]
fn personal_data_without_its_people_is_refused() {
    let errs = errors_after(
        "official-statistics-enterprises",
        "\nidentifiability = \"non_personal\"",
        "\nidentifiability = \"identified\"",
    );
    assert!(
        errs.iter().any(|e| e == "FIT-005" || e == "config::empty"),
        "{errs:?}"
    );
}

/// The GDPR is named only in agreements where some party is under it (or the UK GDPR); where
/// none is, the only mention is the note that the legal-basis register borrows its grounds'
/// names.
#[test]
fn the_gdpr_is_named_only_where_a_party_is_under_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut configs: Vec<PathBuf> = deals().into_iter().map(|d| d.1).collect();
    for e in std::fs::read_dir(root.join("examples")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") && !configs.contains(&p) {
            configs.push(p);
        }
    }
    let mut failures = Vec::new();
    for c in configs {
        let a = build::build_file(&c, None).unwrap_or_else(|e| panic!("{}: {e:#?}", c.display()));
        let under = a.model.config().parties.iter().any(|p| {
            a.library.laws.frame_of(p).is_some_and(|l| {
                matches!(
                    l.kind,
                    datapact::library::laws::LawKind::Gdpr
                        | datapact::library::laws::LawKind::UkGdpr
                )
            })
        });
        if under {
            continue;
        }
        for line in a.rendered.markdown.lines().filter(|l| l.contains("GDPR")) {
            if !line.contains("only as a common vocabulary") {
                failures.push(format!("{}: {line}", c.display()));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// An exporter outside the EEA and the UK that uses the EU standard clauses uses them as the
/// safeguards its own law accepts; the register does not cite the GDPR for its transfer.
#[test]
fn a_transfer_by_an_exporter_outside_the_gdpr_cites_its_own_law() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/ngo-survey.toml"))
        .unwrap()
        .replacen("country = \"DK\"", "country = \"KE\"", 1)
        .replacen("status = \"final\"", "status = \"draft\"", 1);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ke.toml");
    std::fs::write(&p, text).unwrap();
    let md = build::build_file(&p, None).unwrap().rendered.markdown;
    assert!(
        md.contains("Standard contractual clauses (Kenya Data Protection Act 2019, ss. 48–50)"),
        "register"
    );
    // The EU clauses serve as contractual safeguards under the Kenyan law that governs the
    // transfer, named in the register entry itself.
    assert!(md.contains(
        "under the Kenya Data Protection Act 2019, ss. 48–50: adequacy decision: no; mechanism: Standard contractual clauses"
    ));
    assert!(md.contains("Module Two (controller to processor)"));
    assert!(!md.contains("Standard contractual clauses (GDPR Art. 46(2)(c))"));
}

/// One agreement per law profile, with that profile's law applying to the exporter: the
/// register cites that law and states its transfer rule, the mechanism is one that law
/// accepts, named as that law names it, and the GDPR is named only where it applies.
#[test]
fn one_agreement_per_law_profile_as_exporter() {
    use datapact::config::TransferMechanism as T;
    use datapact::library::laws::LawKind;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = std::fs::read_to_string(root.join("examples/ngo-survey.toml")).unwrap();
    let lib = datapact::library::Library::builtin().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (id, law) in &lib.laws.by_id {
        let country = law.countries.first().map_or("SS", String::as_str);
        let mech = [
            T::UkAddendum,
            T::StandardContractualClauses,
            T::ThisAgreement,
            T::Adequacy,
        ]
        .into_iter()
        .find(|m| {
            datapact::model::accepts(law, *m)
                && (*m != T::UkAddendum || law.kind == LawKind::UkGdpr)
        })
        .unwrap_or(T::NotRequired);
        // The processor is in Jordan: for the Jordanian profile it moves to Egypt, so that the
        // data still leaves the exporter's country.
        let base = if country == "JO" {
            base.replace("\"JO\"", "\"EG\"")
        } else {
            base.clone()
        };
        let text = base
            .replacen(
                "country = \"DK\"",
                &format!("country = \"{country}\"\nlaw = \"{id}\""),
                1,
            )
            .replace("country = \"DK\"", &format!("country = \"{country}\""))
            .replacen(
                "mechanism = \"standard_contractual_clauses\"",
                &format!("mechanism = \"{}\"", mech.as_str()),
                1,
            )
            .replacen("status = \"final\"", "status = \"draft\"", 1);
        let p = dir.path().join(format!("{id}.toml"));
        std::fs::write(&p, text).unwrap();
        let a = match build::build_file(&p, None) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{id}: does not build: {e:?}"));
                continue;
            }
        };
        let md = &a.rendered.markdown;
        let t = &a.model.derived.transfers;
        let Some(t) = t.iter().find(|t| t.exporter == "ngo") else {
            failures.push(format!("{id}: no transfer by the exporter"));
            continue;
        };
        if t.frame != *id {
            failures.push(format!("{id}: decided under {}", t.frame));
        }
        let name = if id == "unlisted" {
            "data-protection law of South Sudan".to_owned()
        } else {
            law.name.clone()
        };
        let under = if law.kind == LawKind::InternationalOrganisation {
            name
        } else {
            format!("the {name}")
        };
        let cited = if law.provisions.transfers.is_empty() {
            format!("under {under}:")
        } else {
            format!("under {under}, {}:", law.provisions.transfers)
        };
        if !md.contains(&cited) {
            failures.push(format!("{id}: the register does not state {cited:?}"));
        }
        if !md.contains(&t.basis) || t.basis.is_empty() {
            failures.push(format!(
                "{id}: the register does not name the mechanism {:?}",
                t.basis
            ));
        }
        let gdpr = matches!(law.kind, LawKind::Gdpr | LawKind::UkGdpr);
        if !gdpr {
            for line in md
                .lines()
                .filter(|l| l.contains("GDPR") && !l.contains("only as a common vocabulary"))
            {
                failures.push(format!("{id}: names the GDPR: {line}"));
            }
        }
        if a.check
            .findings
            .iter()
            .any(|f| f.code.starts_with("XFER-009"))
        {
            failures.push(format!("{id}: {} is not accepted", mech.as_str()));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// An international organisation and no governing law: arbitration under the agreement's own
/// terms, no national law anywhere, and `check` clean of governing-law findings. Without an
/// organisation, courts with no chosen law are an error and the draft says the choice is open,
/// never picking a party's law; `settlement` keeps disputes out of courts and tribunals.
#[test]
fn no_governing_law_is_never_filled_with_a_national_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let strip = |name: &str| -> String {
        std::fs::read_to_string(root.join("examples").join(name))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("governing_law = ") && !l.starts_with("forum = "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("io.toml");
    std::fs::write(&p, strip("mno-displacement.toml")).unwrap();
    let a = build::build_file(&p, None).unwrap();
    let md = &a.rendered.markdown;
    for national in ["laws of", "law of Kenya", "law of Switzerland", "courts of"] {
        assert!(!md.contains(national), "{national}");
    }
    assert!(md.contains("general principles of international commercial law"));
    assert!(!a.check.findings.iter().any(|f| f.code == "GOV-005"));
    assert_eq!(a.check.errors(), 0);

    let p = dir.path().join("courts.toml");
    std::fs::write(
        &p,
        strip("ngo-survey.toml").replacen("status = \"final\"", "status = \"draft\"", 1),
    )
    .unwrap();
    let a = build::build_file(&p, None).unwrap();
    let gov = a
        .check
        .findings
        .iter()
        .find(|f| f.code == "GOV-005")
        .expect("GOV-005");
    assert_eq!(gov.severity, datapact::diag::Severity::Error);
    assert!(
        a.rendered
            .markdown
            .contains("choose the law that governs this Agreement before signature")
    );
    assert!(
        !a.rendered
            .markdown
            .contains("governed by the law of Denmark")
    );

    let p = dir.path().join("settlement.toml");
    std::fs::write(
        &p,
        strip("ngo-survey.toml").replacen(
            "mechanism = \"courts\"",
            "mechanism = \"settlement\"",
            1,
        ),
    )
    .unwrap();
    let a = build::build_file(&p, None).unwrap();
    assert!(!a.check.findings.iter().any(|f| f.code == "GOV-005"));
    assert!(a.rendered.markdown.contains(
        "no Party may bring a dispute about this Agreement before a court or an arbitral tribunal"
    ));
    assert!(!a.rendered.markdown.contains("### Governing law and courts"));
}

/// The [outputs] choices no deal of the corpus makes, each on the deal nearest to it: a provider
/// named only with its consent, authors from the creating party only, the older
/// `reviewer_may_block`, and a reviewer that may remove only its confidential information.
#[test]
fn every_choice_of_the_outputs_terms_is_stated() {
    let text = std::fs::read_to_string(deal_config("remittance-operator-unnamed")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let build = |name: &str, edits: &[(&str, &str)]| {
        let mut t = text.clone();
        for (a, b) in edits {
            assert!(t.contains(a), "{a}");
            t = t.replacen(a, b, 1);
        }
        let p = dir.path().join(name);
        std::fs::write(&p, t).unwrap();
        let a = build::build_file(&p, None).unwrap();
        assert_eq!(a.check.errors(), 0, "{name}: {:?}", a.check.findings);
        plain(&a.rendered.markdown)
    };
    let md = build(
        "consent.toml",
        &[
            (
                "\nname_provider = \"never\"",
                "\nname_provider = \"with_consent\"",
            ),
            (
                "\nauthorship = \"contribution\"",
                "\nauthorship = \"creating_party\"",
            ),
            (
                "\nreviewer_may = \"block_publication\"",
                "\nreviewer_may_block = true",
            ),
        ],
    );
    for must in [
        "it may name swiftlink as the source of the data only with the prior written consent of the party it names, given for that output",
        "are staff of the party or parties that created the output; the other parties are acknowledged, not named as authors",
        "may object to publication in writing with reasons",
    ] {
        assert!(md.contains(must), "{must}");
    }
    assert!(!md.contains("no output may name swiftlink"));
    let md = build(
        "remove.toml",
        &[
            (
                "\nreviewer_may = \"block_publication\"",
                "\nreviewer_may = \"remove_confidential\"",
            ),
            (
                "attribution = \"Data: a UK money-transfer operator.\"\n",
                "",
            ),
        ],
    );
    assert!(md.contains("may require the removal of its confidential information and of any disclosure risk, but no other change"));
    assert!(
        md.contains("describe the source of the data without naming the party that provided it")
    );
}

/// Every example, programme partner and deal, built with the built-in library.
fn every_agreement() -> Vec<(String, build::Agreement)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut args: Vec<String> = deals()
        .into_iter()
        .map(|d| d.1.to_string_lossy().into_owned())
        .collect();
    for e in std::fs::read_dir(root.join("examples")).unwrap() {
        let p = e.unwrap().path();
        let s = p.to_string_lossy().into_owned();
        if p.extension().is_some_and(|x| x == "toml") && !args.contains(&s) {
            args.push(s);
        }
    }
    args.push(
        root.join("examples/programme/mno-region.toml")
            .to_string_lossy()
            .into_owned(),
    );
    let libraries = build::Libraries::new(None);
    build::build_all(&args, &libraries)
        .into_iter()
        .map(|(label, built)| {
            let a = built.unwrap_or_else(|e| panic!("{label}: {e:#?}"));
            (label, a)
        })
        .collect()
}

/// Each thing is said once: no sentence of eight words or more appears twice in the agreement
/// of any example, programme partner or deal.
#[test]
fn no_sentence_is_said_twice() {
    let mut failures = Vec::new();
    for (label, a) in every_agreement() {
        for (sentence, n) in datapact::review::repeated_sentences(&a.rendered.markdown) {
            failures.push(format!("{label}: {n} times: {sentence}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A defined term is written only in its defined form ("this Agreement", never "this
/// agreement"; "Providing Party", never "providing party") in every example, programme partner
/// and deal.
#[test]
fn defined_terms_keep_their_defined_form() {
    let mut failures = Vec::new();
    for (label, a) in every_agreement() {
        for f in datapact::review::term_forms(&a.rendered.markdown) {
            failures.push(format!(
                "{label}: “{}” written “{}” {} times",
                f.term, f.found, f.count
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Length is the first thing a counterparty sees (issue 18): every example agreement is at most
/// 10,000 words (`wc -w` of the Markdown), the median over the examples and the deals at most
/// 8,000, and the two-party hand-over of aggregates at most 4,000. Documents split off a
/// config (processing terms) count on their own.
#[test]
fn agreements_keep_within_their_length_budget() {
    let words = |a: &build::Agreement| a.rendered.markdown.split_whitespace().count();
    let mut sharing = Vec::new();
    let mut over = Vec::new();
    for (label, a) in every_agreement() {
        let n = words(&a);
        if label.contains("examples/") && n > 10_000 {
            over.push(format!("{label}: {n} words"));
        }
        if label.contains("funder-aggregate-handover") && n > 4_000 {
            over.push(format!("{label}: {n} words, more than 4,000"));
        }
        if a.partner.is_none() {
            sharing.push(n);
        }
    }
    sharing.sort_unstable();
    let median = sharing[sharing.len() / 2];
    assert!(median <= 8_000, "median {median} words");
    assert!(over.is_empty(), "\n{}", over.join("\n"));
}

/// One obligation, one period: no example, programme partner or deal states an obligation with
/// two periods (TXT-003), and none says the config records nothing where it records something
/// (TXT-004).
#[test]
fn each_obligation_has_one_period_and_no_absence_is_untrue() {
    let mut failures = Vec::new();
    for (label, a) in every_agreement() {
        for c in datapact::review::period_conflicts(&a.rendered.markdown) {
            failures.push(format!(
                "{label}: “{} within …” {:?}",
                c.obligation, c.periods
            ));
        }
        for (statement, at) in datapact::lint::text::untrue_absences(&a.model, &a.rendered.markdown)
        {
            failures.push(format!("{label}: “{statement}” but {at} is set"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Build a deal with edits made to its config; the agreement's text as statements are matched
/// against, and the ids of the check errors.
fn text_after(deal: &str, edits: &[(&str, &str)]) -> (String, Vec<String>) {
    let path = deal_config(deal);
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{deal}: {from:?} not found");
        text = text.replacen(from, to, 1);
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(format!("{deal}.toml"));
    std::fs::write(&p, text).unwrap();
    let a = build::build_file(&p, None).unwrap_or_else(|e| panic!("{deal}: {e:#?}"));
    let errors = a
        .check
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.code.clone())
        .collect();
    (plain(&a.rendered.markdown), errors)
}

#[test]
fn the_terms_of_the_end_follow_the_config() {
    let deal = "cholera-response-consortium";
    let survives = r#"survives = ["use_restrictions", "disposal", "confidentiality", "authority_requests", "liability", "disputes"]"#;
    // A leaving party returns its copies; the others delete what it provided.
    let (t, errs) = text_after(
        deal,
        &[
            (
                r#"withdrawal_copies = "delete""#,
                r#"withdrawal_copies = "return""#,
            ),
            (
                r#"withdrawal_provided_data = "kept""#,
                r#"withdrawal_provided_data = "deleted""#,
            ),
        ],
    );
    assert!(errs.is_empty(), "{errs:?}");
    for m in [
        "the leaving party must return to the party that provided it every copy it holds",
        "the remaining parties must delete the shared data that the leaving party provided within 30 days after it leaves, and confirm this to it in writing within the same period",
    ] {
        assert!(t.contains(m), "must say {m:?}");
    }
    // Only the notice set: the leaving party deletes or returns as the provider asks.
    let (t, _) = text_after(
        deal,
        &[
            (r#"withdrawal_copies = "delete""#, ""),
            (r#"withdrawal_provided_data = "kept""#, ""),
        ],
    );
    assert!(t.contains("the leaving party must delete, or return if the party that provided it so asks in writing, every copy"));
    // No terms of leaving: today's sentence on a party's participation, no clause of its own.
    let (t, _) = text_after(
        deal,
        &[
            ("withdrawal_notice_days = 14", ""),
            (r#"withdrawal_copies = "delete""#, ""),
            (r#"withdrawal_provided_data = "kept""#, ""),
        ],
    );
    assert!(
        t.contains("within 30 days after this agreement, or a party's participation in it, ends")
    );
    assert!(!t.contains("leaving this agreement"));
    assert!(t.contains("60 days' notice of termination"));
    // The default survival list is today's sentence.
    let (t, _) = text_after(deal, &[(survives, "")]);
    assert!(t.contains("this agreement applies to any data a party still holds under it; its terms on confidentiality, requests from public authorities, publication, liability and disputes survive in any case, and [audit and information rights](#governance-audit) for 12 months after the last certificate of disposal."));
    // Audit alone; nothing at all.
    let (t, errs) = text_after(deal, &[(survives, r#"survives = ["audit"]"#)]);
    assert!(t.contains("[audit and information rights](#governance-audit) survives for 12 months after the last certificate of disposal."));
    assert!(errs.contains(&"GOV-013".to_owned()), "{errs:?}");
    let (t, _) = text_after(deal, &[(survives, "survives = []")]);
    assert!(t.contains("no term of this agreement survives its end."));
    // Disposal without the restrictions on use.
    let (t, _) = text_after(
        deal,
        &[(survives, r#"survives = ["disposal", "disputes"]"#)],
    );
    assert!(t.contains("the terms of this agreement on disposal apply to any data a party still holds under it; its terms on disputes survive in any case."));
    // A duration as the backstop; no backstop at all is refused.
    let (t, _) = text_after(deal, &[("end_date = 2027-12-31", "duration = \"P6M\"")]);
    assert!(t.contains(
        "until the end of the declared cholera emergency or 18 july 2027, whichever comes first"
    ));
    let (_, errs) = text_after(deal, &[("end_date = 2027-12-31", "")]);
    assert!(errs.contains(&"GOV-011".to_owned()), "{errs:?}");
}
