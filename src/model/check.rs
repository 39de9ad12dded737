//! What makes a config refused: references to ids that are not declared, bad country codes,
//! duplicate ids and entries, impossible roles and dates, text that would not display as
//! stored.
//!
//! In: a [`Loaded`] config (its dates and durations already typed). Out: every problem found,
//! each a diagnostic pointing at its value.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;

use super::relationship;
use super::retention::retention_holders;
use super::text::{SINGLE_LINE_KEYS, forbidden_char, walk_strings};
use crate::config::*;
use crate::diag::{Diagnostic, did_you_mean};
use crate::load::Loaded;

/// Every problem that makes `loaded` unusable, table by table, in the order of the file's
/// tables.
pub(super) fn check(loaded: &Loaded) -> Vec<Diagnostic> {
    let mut c = Checker {
        loaded,
        diags: Vec::new(),
    };
    let ids = Ids::of(&loaded.config);
    c.check_text();
    c.agreement(&ids);
    c.parties();
    c.purposes_and_datasets(&ids);
    c.flows(&ids);
    c.legal_bases(&ids);
    c.people(&ids);
    c.storage_and_security(&ids);
    c.retention(&ids);
    c.duplicate_retention();
    c.onward_sharing(&ids);
    c.not_shared();
    c.oversight(&ids);
    c.subprocessors_and_transfers(&ids);
    c.restrictions_and_outputs(&ids);
    c.term();
    c.classification_and_accession(&ids);
    c.diags
}

struct Checker<'a> {
    loaded: &'a Loaded,
    diags: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    fn err(&mut self, code: &str, pointer: &str, message: String, help: String) {
        let d = Diagnostic::error(code, message).help(help);
        self.diags.push(self.loaded.diag_at(d, pointer));
    }

    /// A typed date, unless it stands in for a value that did not parse (reported already,
    /// so nothing should be compared with it).
    fn date(&self, pointer: &str, date: Date) -> Option<Date> {
        (!self.loaded.is_bad_value(pointer)).then_some(date)
    }

    fn country(&mut self, pointer: &str, value: &str) {
        if isocountry::CountryCode::for_alpha2(value).is_ok() {
            return;
        }
        let upper = value.to_ascii_uppercase();
        let help = if value == "UK" || upper == "UK" {
            "the ISO 3166-1 code of the United Kingdom is \"GB\"".to_owned()
        } else if value != upper && isocountry::CountryCode::for_alpha2(&upper).is_ok() {
            format!("country codes are upper case: write \"{upper}\"")
        } else if let Some(code) = isocountry::CountryCode::iter().find(|c| {
            c.name().eq_ignore_ascii_case(value) || c.alpha3().eq_ignore_ascii_case(value)
        }) {
            format!(
                "write the two-letter code \"{}\" for {}",
                code.alpha2(),
                code.name()
            )
        } else {
            "write an ISO 3166-1 alpha-2 code such as \"BE\", \"KE\" or \"CH\"".to_owned()
        };
        self.err(
            "config::bad-country",
            pointer,
            format!("`{value}` is not an ISO 3166-1 alpha-2 country code"),
            help,
        );
    }

    fn reference(&mut self, pointer: &str, value: &str, kind: &str, table: &str, known: &[&str]) {
        if known.contains(&value) {
            return;
        }
        let help = match did_you_mean(value, known.iter().copied()) {
            Some(s) => format!(
                "did you mean \"{s}\"? declared {kind} ids: {}",
                known.join(", ")
            ),
            None if known.is_empty() => format!("declare it in a [[{table}]] table first"),
            None => format!(
                "use one of the declared {kind} ids ({}) or add a [[{table}]] table with id = \"{value}\"",
                known.join(", ")
            ),
        };
        self.err(
            "config::unknown-reference",
            pointer,
            format!("no {kind} has the id `{value}`"),
            help,
        );
    }

    fn unique_ids<'b>(&mut self, table: &str, ids: impl Iterator<Item = &'b str>) {
        let mut seen = HashSet::new();
        for (i, id) in ids.enumerate() {
            let pointer = format!("/{table}/{i}/id");
            if !is_valid_id(id) {
                self.err(
                    "config::bad-id",
                    &pointer,
                    format!("`{id}` is not a valid id"),
                    "ids are short: lower-case letters, digits, '-' and '_', starting with a letter (e.g. \"mno\")".into(),
                );
            }
            if !seen.insert(id) {
                self.err(
                    "config::duplicate-id",
                    &pointer,
                    format!("the id `{id}` is used by more than one entry in [[{table}]]"),
                    "give each entry its own id".into(),
                );
            }
        }
    }

    /// No two parties may go by the same name: the agreement names each party by its short
    /// name (else its legal name), and a reader could not tell two parties called alike apart.
    /// A short name may not be another party's legal name either. Compared without regard to
    /// case or runs of spaces ("the Agency" and "The  agency" read alike in a sentence).
    fn unique_party_names(&mut self, parties: &[crate::config::Party]) {
        fn key(s: &str) -> String {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        }
        // Normalised name → (party index, field) of the first party to use it.
        let mut seen: HashMap<String, (usize, &str)> = HashMap::new();
        for (i, p) in parties.iter().enumerate() {
            let mut names = vec![("legal_name", p.legal_name.as_str())];
            if let Some(s) = &p.short_name {
                names.push(("short_name", s.as_str()));
            }
            for (field, name) in names {
                let k = key(name);
                if k.is_empty() {
                    continue;
                }
                match seen.get(&k) {
                    None => {
                        seen.insert(k, (i, field));
                    }
                    Some(&(j, _)) if j == i => {}
                    Some(&(j, their_field)) => {
                        let other = &parties[j];
                        let help = if field == "legal_name" && their_field == "legal_name" {
                            format!(
                                "each party is a separate organisation: if `{}` is `{}` declared twice, remove one [[parties]] table; otherwise write each one's full registered name",
                                p.id, other.id
                            )
                        } else {
                            format!(
                                "give `{}` a short_name that tells it apart from `{}`, such as the name it trades under",
                                p.id, other.id
                            )
                        };
                        self.err(
                            "config::duplicate-name",
                            &format!("/parties/{i}/{field}"),
                            format!(
                                "parties `{}` and `{}` would both be called “{}” ({} of `{}`, {} of `{}`)",
                                other.id,
                                p.id,
                                name.trim(),
                                their_field.replace('_', " "),
                                other.id,
                                field.replace('_', " "),
                                p.id
                            ),
                            help,
                        );
                    }
                }
            }
        }
    }

    /// Text that would not display as stored: bidi controls, invisible format characters,
    /// control characters. A signed name must read exactly as it is stored.
    fn check_text(&mut self) {
        let mut found = Vec::new();
        walk_strings(&self.loaded.raw, &mut |pointer, key, s| {
            let multi_line = !SINGLE_LINE_KEYS.contains(&key);
            for (i, c) in s.chars().enumerate() {
                if let Some(what) = forbidden_char(c, multi_line) {
                    found.push((pointer.to_owned(), i, c, what));
                    break;
                }
            }
        });
        for (pointer, i, c, what) in found {
            self.err(
                "config::forbidden-character",
                &pointer,
                format!("{what} U+{:04X} at character {} of `{}`", c as u32, i + 1, crate::load::pointer_to_field(&pointer)),
                if matches!(c, '\n' | '\u{2028}' | '\u{2029}') {
                    "this field is one line: remove the line break".to_owned()
                } else {
                    "remove it: text in an agreement must display exactly as it is stored (joiners U+200C and U+200D, which scripts need, are allowed)".to_owned()
                },
            );
        }
    }

    /// `[agreement]`.
    fn agreement(&mut self, ids: &Ids) {
        let a = &self.loaded.config.agreement;
        if !is_valid_reference(&a.reference) {
            self.err(
                "config::bad-reference",
                "/agreement/reference",
                format!("`{}` cannot be used as a file name", a.reference),
                "use letters, digits, '.', '-' and '_' only, not starting with '.', at most 100 characters (e.g. \"DSA-2026-007\")".into(),
            );
        }
        for (field, value) in [("title", &a.title), ("version", &a.version)] {
            if value.trim().is_empty() {
                self.err(
                    "config::empty",
                    &format!("/agreement/{field}"),
                    format!("`agreement.{field}` is empty"),
                    format!("write the agreement's {field}"),
                );
            }
        }
        if let Some(owner) = &a.review_owner {
            self.reference(
                "/agreement/review_owner",
                owner,
                "party",
                "parties",
                &ids.parties,
            );
        }
        if let Some(drafter) = &a.drafted_by {
            self.reference(
                "/agreement/drafted_by",
                drafter,
                "party",
                "parties",
                &ids.parties,
            );
        }
    }

    /// `[[parties]]`.
    fn parties(&mut self) {
        let cfg = &self.loaded.config;
        if cfg.parties.len() < 2 {
            self.err(
                "config::too-few-parties",
                "/parties",
                format!(
                    "an agreement needs at least two parties; {} declared",
                    cfg.parties.len()
                ),
                "add a [[parties]] table for each organisation that signs".into(),
            );
        }
        self.unique_ids("parties", cfg.parties.iter().map(|p| p.id.as_str()));
        self.unique_party_names(&cfg.parties);
        for (i, p) in cfg.parties.iter().enumerate() {
            self.country(&format!("/parties/{i}/country"), &p.country);
            for (j, op) in p.processors.iter().enumerate() {
                self.country(&format!("/parties/{i}/processors/{j}/country"), &op.country);
            }
            if p.signatories.is_empty() {
                self.err(
                    "config::no-signatory",
                    &format!("/parties/{i}/signatories"),
                    format!("party `{}` has no signatory", p.id),
                    "add signatories = [{ name = \"…\", title = \"…\" }]".into(),
                );
            }
        }
    }

    /// `[[purposes]]` and `[[datasets]]`.
    fn purposes_and_datasets(&mut self, ids: &Ids) {
        let cfg = &self.loaded.config;
        self.unique_ids("purposes", cfg.purposes.iter().map(|p| p.id.as_str()));
        self.unique_ids("datasets", cfg.datasets.iter().map(|d| d.id.as_str()));
        if cfg.purposes.is_empty() {
            self.err(
                "config::empty",
                "/purposes",
                "no purpose is declared".into(),
                "add a [[purposes]] table".into(),
            );
        }
        if cfg.datasets.is_empty() {
            self.err(
                "config::empty",
                "/datasets",
                "no dataset is declared".into(),
                "add a [[datasets]] table".into(),
            );
        }
        for (i, d) in cfg.datasets.iter().enumerate() {
            self.reference(
                &format!("/datasets/{i}/provider"),
                &d.provider,
                "party",
                "parties",
                &ids.parties,
            );
            if d.data_categories.is_empty() && d.identifiability.is_personal() {
                self.err(
                    "config::empty",
                    &format!("/datasets/{i}/data_categories"),
                    format!("dataset `{}` lists no data categories", d.id),
                    "list the categories of data it holds, e.g. [\"location\", \"demographic\"]"
                        .into(),
                );
            }
        }
    }

    /// `[[flows]]`.
    fn flows(&mut self, ids: &Ids) {
        let cfg = &self.loaded.config;
        if cfg.flows.is_empty() {
            self.err(
                "config::empty",
                "/flows",
                "no data flow is declared".into(),
                "add a [[flows]] table saying who sends which dataset to whom".into(),
            );
        }
        self.unique_ids("flows", cfg.flows.iter().map(|f| f.id.as_str()));
        for (i, f) in cfg.flows.iter().enumerate() {
            self.flow(i, f, ids);
        }
    }

    fn flow(&mut self, i: usize, f: &Flow, ids: &Ids) {
        let cfg = &self.loaded.config;
        let base = format!("/flows/{i}");
        self.reference(
            &format!("{base}/from"),
            &f.from,
            "party",
            "parties",
            &ids.parties,
        );
        self.reference(
            &format!("{base}/to"),
            &f.to,
            "party",
            "parties",
            &ids.parties,
        );
        if f.from == f.to {
            self.err(
                "config::self-flow",
                &format!("{base}/to"),
                format!("flow `{}` goes from `{}` to itself", f.id, f.from),
                "a flow moves data between two different parties".into(),
            );
        }
        for (j, d) in f.datasets.iter().enumerate() {
            self.reference(
                &format!("{base}/datasets/{j}"),
                d,
                "dataset",
                "datasets",
                &ids.datasets,
            );
            // The sender holds the data: it provides the dataset or received it on a flow.
            if let Some(ds) = cfg.datasets.iter().find(|x| &x.id == d)
                && ds.provider != f.from
                && !cfg
                    .flows
                    .iter()
                    .any(|o| o.to == f.from && o.datasets.contains(d))
            {
                self.err(
                    "config::dataset-not-held",
                    &format!("{base}/datasets/{j}"),
                    format!(
                        "flow `{}` sends `{d}` from `{}`, which neither provides it (its provider is `{}`) nor receives it on any flow",
                        f.id, f.from, ds.provider
                    ),
                    format!(
                        "remove `{d}` from this flow, add a flow that brings it to `{}`, or set the dataset's provider to the party that holds it",
                        f.from
                    ),
                );
            }
        }
        for (j, p) in f.purposes.iter().enumerate() {
            self.reference(
                &format!("{base}/purposes/{j}"),
                p,
                "purpose",
                "purposes",
                &ids.purposes,
            );
        }
        if f.interval.is_none() && f.frequency == Frequency::Periodic {
            self.err(
                "config::missing-field",
                &base,
                format!("flow `{}` is periodic but has no interval", f.id),
                "add interval = \"P7D\" (or another ISO-8601 duration)".into(),
            );
        }
        if let Some(h) = &f.environment_host {
            self.reference(
                &format!("{base}/environment_host"),
                h,
                "party",
                "parties",
                &ids.parties,
            );
        }
        if let Some(b) = &f.on_behalf_of {
            self.reference(
                &format!("{base}/on_behalf_of"),
                b,
                "party",
                "parties",
                &ids.parties,
            );
        }
        let from_role = f
            .from_role
            .or_else(|| cfg.parties.iter().find(|p| p.id == f.from).map(|p| p.role));
        let to_role = f
            .to_role
            .or_else(|| cfg.parties.iter().find(|p| p.id == f.to).map(|p| p.role));
        if let (Some(fr), Some(tr)) = (from_role, to_role)
            && let Err(msg) = relationship(fr, tr)
        {
            self.err("config::impossible-roles", &base, format!("flow `{}`: {msg}", f.id), "set from_role / to_role on the flow, or the parties' role, so the roles fit together".into());
        }
    }

    /// `[[legal_bases]]`.
    fn legal_bases(&mut self, ids: &Ids) {
        let cfg = &self.loaded.config;
        let effective = self.date("/agreement/effective_date", cfg.agreement.effective_date);
        for (i, lb) in cfg.legal_bases.iter().enumerate() {
            self.reference(
                &format!("/legal_bases/{i}/party"),
                &lb.party,
                "party",
                "parties",
                &ids.parties,
            );
            self.reference(
                &format!("/legal_bases/{i}/purpose"),
                &lb.purpose,
                "purpose",
                "purposes",
                &ids.purposes,
            );
            let at = format!("/legal_bases/{i}/expires");
            if let Some(exp) = lb.expires.and_then(|e| self.date(&at, e))
                && let Some(start) = effective
                && exp <= start
            {
                self.err(
                    "config::impossible-date",
                    &at,
                    format!(
                        "the legal basis of `{}` for `{}` expires ({exp}) on or before the agreement takes effect ({start})",
                        lb.party, lb.purpose
                    ),
                    "renew the basis and write its new expiry date, or remove the purpose from this agreement".into(),
                );
            }
            if let Some(j) = cfg.legal_bases[..i]
                .iter()
                .position(|o| o.party == lb.party && o.purpose == lb.purpose)
            {
                self.err(
                    "config::duplicate-entry",
                    &format!("/legal_bases/{i}"),
                    format!(
                        "legal_bases[{j}] and legal_bases[{i}] both give a legal basis of `{}` for `{}`",
                        lb.party, lb.purpose
                    ),
                    "keep one: a controller relies on one lawful basis for one purpose, and cannot switch between them (EDPB Guidelines 05/2020 on consent, para. 121-123)".into(),
                );
            }
        }
    }

    /// `[transparency]`, `[consent]`, `[rights]` and `[dpia]`: who answers to the people in
    /// the data.
    fn people(&mut self, ids: &Ids) {
        let cfg = &self.loaded.config;
        for (i, n) in cfg.transparency.notices.iter().enumerate() {
            self.reference(
                &format!("/transparency/notices/{i}/party"),
                &n.party,
                "party",
                "parties",
                &ids.parties,
            );
        }
        if let Some(p) = &cfg.consent.obtained_by {
            self.reference("/consent/obtained_by", p, "party", "parties", &ids.parties);
        }
        if let Some(p) = &cfg.rights.contact_point {
            self.reference("/rights/contact_point", p, "party", "parties", &ids.parties);
        }
        if let Some(p) = &cfg.dpia.owner {
            self.reference("/dpia/owner", p, "party", "parties", &ids.parties);
        }
    }

    /// `[[storage]]` and `[security]`.
    fn storage_and_security(&mut self, ids: &Ids) {
        let cfg = &self.loaded.config;
        for (i, s) in cfg.storage.iter().enumerate() {
            self.reference(
                &format!("/storage/{i}/party"),
                &s.party,
                "party",
                "parties",
                &ids.parties,
            );
            self.country(&format!("/storage/{i}/country"), &s.country);
            if let Some(b) = &s.backup_country {
                self.country(&format!("/storage/{i}/backup_country"), b);
            }
            for (j, d) in s.datasets.iter().enumerate() {
                self.reference(
                    &format!("/storage/{i}/datasets/{j}"),
                    d,
                    "dataset",
                    "datasets",
                    &ids.with_derived,
                );
            }
        }
        for (i, m) in cfg.security.measures.iter().enumerate() {
            for (j, p) in m.applies_to.iter().enumerate() {
                self.reference(
                    &format!("/security/measures/{i}/applies_to/{j}"),
                    p,
                    "party",
                    "parties",
                    &ids.parties,
                );
            }
        }
    }

    /// `[[retention]]`: references, and a period or an event with a backstop.
    fn retention(&mut self, ids: &Ids) {
        let cfg = &self.loaded.config;
        for (i, r) in cfg.retention.iter().enumerate() {
            let base = format!("/retention/{i}");
            self.reference(
                &format!("{base}/dataset"),
                &r.dataset,
                "dataset",
                "datasets",
                &ids.with_derived,
            );
            if let Some(p) = &r.party {
                self.reference(
                    &format!("{base}/party"),
                    p,
                    "party",
                    "parties",
                    &ids.parties,
                );
            }
            if r.indefinite {
                if r.period.is_some() || r.event.is_some() || r.max.is_some() {
                    self.err(
                        "config::conflicting-fields",
                        &format!("{base}/indefinite"),
                        "a retention entry with `indefinite = true` also has a `period`, `event` or `max`".into(),
                        "keep indefinite = true alone, or remove it and keep the period".into(),
                    );
                }
                continue;
            }
            match (&r.period, &r.event, &r.max) {
                (Some(_), None, None) | (None, Some(_), Some(_)) => {}
                (None, Some(_), None) => self.err(
                    "config::missing-field",
                    &base,
                    "an event-based retention needs a backstop `max` duration".into(),
                    "add max = \"P36M\" (or another ISO-8601 duration): data is disposed of at the event or at the backstop, whichever comes first".into(),
                ),
                (None, None, _) => self.err(
                    "config::missing-field",
                    &base,
                    format!("retention of `{}` has neither a `period` nor an `event`", r.dataset),
                    "add period = \"P24M\", or event = \"…\" with max = \"P36M\" (or indefinite = true, for data that identifies no one)".into(),
                ),
                (Some(_), Some(_), _) | (Some(_), None, Some(_)) => self.err(
                    "config::conflicting-fields",
                    &base,
                    "a retention entry has both a `period` and an `event`/`max`".into(),
                    "keep either period = \"…\", or event = \"…\" with max = \"…\"".into(),
                ),
            }
        }
    }

    /// Two entries for the same dataset and holder would print two periods for one copy.
    fn duplicate_retention(&mut self) {
        let cfg = &self.loaded.config;
        for (i, r) in cfg.retention.iter().enumerate() {
            let mine = retention_holders(cfg, r);
            if let Some((j, h)) = cfg.retention[..i].iter().enumerate().find_map(|(j, o)| {
                (o.dataset == r.dataset)
                    .then(|| {
                        retention_holders(cfg, o)
                            .into_iter()
                            .find(|h| mine.contains(h))
                    })
                    .flatten()
                    .map(|h| (j, h))
            }) {
                self.err(
                    "config::duplicate-entry",
                    &format!("/retention/{i}"),
                    format!(
                        "retention[{j}] and retention[{i}] both say how long `{h}` keeps `{}`",
                        r.dataset
                    ),
                    "keep one entry per dataset and holder (an entry without `party` covers every party that receives the dataset and has no entry of its own for it)".into(),
                );
            }
        }
    }

    /// `[onward_sharing]`.
    fn onward_sharing(&mut self, ids: &Ids) {
        let cfg = &self.loaded.config;
        for (i, o) in cfg.onward_sharing.permitted.iter().enumerate() {
            let base = format!("/onward_sharing/permitted/{i}");
            self.reference(
                &format!("{base}/shared_by"),
                &o.shared_by,
                "party",
                "parties",
                &ids.parties,
            );
            if let Some(c) = &o.country {
                self.country(&format!("{base}/country"), c);
            }
            for (j, c) in o.countries.iter().enumerate() {
                self.country(&format!("{base}/countries/{j}"), c);
            }
            if !o.class && o.country.is_none() {
                self.err(
                    "config::missing-field",
                    &base,
                    format!("onward recipient \"{}\" has no `country`", o.recipient),
                    "add country = \"<ISO 3166-1 alpha-2 code>\", or class = true when the recipient is a class of organisations".into(),
                );
            }
            if !o.class && !o.countries.is_empty() {
                self.err(
                    "config::conflicting-fields",
                    &format!("{base}/countries"),
                    format!("onward recipient \"{}\" is one organisation but lists `countries`", o.recipient),
                    "write country = \"<code>\" for one organisation, or add class = true for a class of organisations".into(),
                );
            }
            if o.class && o.country.is_some() && !o.countries.is_empty() {
                self.err(
                    "config::conflicting-fields",
                    &format!("{base}/country"),
                    format!(
                        "onward recipient \"{}\" has both `country` and `countries`",
                        o.recipient
                    ),
                    "list every country in countries = [\"…\"] and remove country".into(),
                );
            }
            for (j, p) in o.purposes.iter().enumerate() {
                self.reference(
                    &format!("{base}/purposes/{j}"),
                    p,
                    "purpose",
                    "purposes",
                    &ids.purposes,
                );
            }
            for (j, d) in o.datasets.iter().enumerate() {
                self.reference(
                    &format!("{base}/datasets/{j}"),
                    d,
                    "dataset",
                    "datasets",
                    &ids.with_derived,
                );
            }
        }
    }

    /// A dataset declared `shared = false` is the provider's own input: nothing may send it,
    /// pass it on or keep it under the agreement.
    fn not_shared(&mut self) {
        let cfg = &self.loaded.config;
        let held: Vec<&str> = cfg
            .datasets
            .iter()
            .filter(|d| !d.shared)
            .map(|d| d.id.as_str())
            .collect();
        if held.is_empty() {
            return;
        }
        let mut places: Vec<(String, String)> = Vec::new();
        for (i, f) in cfg.flows.iter().enumerate() {
            for (j, d) in f.datasets.iter().enumerate() {
                if held.contains(&d.as_str()) {
                    places.push((format!("/flows/{i}/datasets/{j}"), d.clone()));
                }
            }
        }
        for (i, o) in cfg.onward_sharing.permitted.iter().enumerate() {
            for (j, d) in o.datasets.iter().enumerate() {
                if held.contains(&d.as_str()) {
                    places.push((
                        format!("/onward_sharing/permitted/{i}/datasets/{j}"),
                        d.clone(),
                    ));
                }
            }
        }
        for (i, r) in cfg.retention.iter().enumerate() {
            if held.contains(&r.dataset.as_str()) {
                places.push((format!("/retention/{i}/dataset"), r.dataset.clone()));
            }
        }
        for (ptr, d) in places {
            self.err(
                "config::not-shared",
                &ptr,
                format!("dataset `{d}` is declared `shared = false` but is named here"),
                format!("remove `{d}` here (the agreement does not govern data a party keeps to itself), or remove shared = false from the dataset"),
            );
        }
    }

    /// `[oversight]`: the parties named must exist.
    fn oversight(&mut self, ids: &Ids) {
        let cfg = &self.loaded.config;
        let Some(o) = &cfg.oversight else { return };
        for (i, p) in o.ethics_approval.iter().enumerate() {
            self.reference(
                &format!("/oversight/ethics_approval/{i}"),
                p,
                "party",
                "parties",
                &ids.parties,
            );
        }
    }

    /// `[[subprocessors]]` and `[[transfers]]`.
    fn subprocessors_and_transfers(&mut self, ids: &Ids) {
        let cfg = &self.loaded.config;
        self.unique_ids(
            "subprocessors",
            cfg.subprocessors.iter().map(|s| s.id.as_str()),
        );
        for (i, s) in cfg.subprocessors.iter().enumerate() {
            self.reference(
                &format!("/subprocessors/{i}/processor"),
                &s.processor,
                "party",
                "parties",
                &ids.parties,
            );
            self.country(&format!("/subprocessors/{i}/country"), &s.country);
        }
        let mut importers = ids.parties.clone();
        importers.extend(ids.subprocessors.iter().copied());
        for (i, t) in cfg.transfers.iter().enumerate() {
            self.reference(
                &format!("/transfers/{i}/importer"),
                &t.importer,
                "party or sub-processor",
                "parties",
                &importers,
            );
            if let Some(j) = cfg.transfers[..i]
                .iter()
                .position(|o| o.importer == t.importer)
            {
                self.err(
                    "config::duplicate-entry",
                    &format!("/transfers/{i}/importer"),
                    format!(
                        "transfers[{j}] and transfers[{i}] both declare the mechanism for transfers to `{}`",
                        t.importer
                    ),
                    "keep one [[transfers]] entry per importer, with the mechanism that covers every transfer to it".into(),
                );
            }
        }
    }

    /// `[use_restrictions]` and `[outputs]`.
    fn restrictions_and_outputs(&mut self, ids: &Ids) {
        let cfg = &self.loaded.config;
        for (i, c) in cfg.use_restrictions.excluded_authorities.iter().enumerate() {
            self.country(&format!("/use_restrictions/excluded_authorities/{i}"), c);
        }
        let o = &cfg.outputs;
        if let Some(p) = &o.ip_owner {
            self.reference("/outputs/ip_owner", p, "party", "parties", &ids.parties);
        }
        for (field, list) in [
            ("co_owners", &o.co_owners),
            ("archive_copy", &o.archive_copy),
        ] {
            for (i, p) in list.iter().enumerate() {
                let at = format!("/outputs/{field}/{i}");
                self.reference(&at, p, "party", "parties", &ids.parties);
                if list[..i].contains(p) {
                    self.err(
                        "config::duplicate-entry",
                        &at,
                        format!("`{p}` is listed twice in outputs.{field}"),
                        "list each party once".into(),
                    );
                }
            }
        }
        if !o.co_owners.is_empty() {
            if o.ip_owner.is_some() {
                self.err(
                    "config::conflicting-fields",
                    "/outputs/co_owners",
                    "outputs.ip_owner and outputs.co_owners both say who owns the outputs".into(),
                    "keep ip_owner = \"<party id>\" for one owner, or co_owners = [\"<id>\", \"<id>\"] for joint owners, not both".into(),
                );
            } else if o.co_owners.len() == 1 {
                self.err(
                    "config::invalid-value",
                    "/outputs/co_owners",
                    format!(
                        "outputs.co_owners names one party, `{}`: co-ownership needs two or more",
                        o.co_owners[0]
                    ),
                    format!(
                        "write ip_owner = \"{}\" for a single owner, or add the other co-owners",
                        o.co_owners[0]
                    ),
                );
            }
        }
        for (i, c) in o.licence_classes.iter().enumerate() {
            for (j, p) in c.purposes.iter().enumerate() {
                self.reference(
                    &format!("/outputs/licence_classes/{i}/purposes/{j}"),
                    p,
                    "purpose",
                    "purposes",
                    &ids.purposes,
                );
            }
        }
        if let (Some(may), Some(block)) = (o.reviewer_may, o.reviewer_may_block) {
            let same = matches!(
                (may, block),
                (ReviewerMay::BlockPublication, true) | (ReviewerMay::RemoveConfidential, false)
            );
            let old = if block {
                "block_publication"
            } else {
                "remove_confidential"
            };
            self.err(
                "config::conflicting-fields",
                "/outputs/reviewer_may_block",
                if same {
                    "outputs.reviewer_may_block repeats what outputs.reviewer_may says".into()
                } else {
                    format!("outputs.reviewer_may_block = {block} (reviewer_may = \"{old}\") contradicts outputs.reviewer_may")
                },
                "remove reviewer_may_block and keep only reviewer_may = \"remove_confidential\", \"object_to_findings\" or \"block_publication\"".into(),
            );
        }
    }

    /// `[term]`: a duration or an end date, and an end after the start.
    /// `[[classification]]`, each dataset's level, `[accession]` and `acceded`, `[[bilateral]]`.
    fn classification_and_accession(&mut self, ids: &Ids) {
        let cfg = &self.loaded.config;
        self.unique_ids(
            "classification",
            cfg.classification.iter().map(|l| l.id.as_str()),
        );
        let levels: Vec<&str> = cfg.classification.iter().map(|l| l.id.as_str()).collect();
        for (i, d) in cfg.datasets.iter().enumerate() {
            if let Some(level) = &d.classification {
                self.reference(
                    &format!("/datasets/{i}/classification"),
                    level,
                    "sensitivity level",
                    "classification",
                    &levels,
                );
            }
        }
        for (i, l) in cfg.classification.iter().enumerate() {
            if l.publication == Publication::Aggregated && l.aggregation.is_none() {
                self.err(
                    "config::missing-field",
                    &format!("/classification/{i}/publication"),
                    format!(
                        "level `{}` is published only after aggregation, but says no aggregation",
                        l.id
                    ),
                    "add aggregation = \"…\", e.g. \"by district, counts under 10 suppressed\""
                        .into(),
                );
            }
        }
        let effective = self.date("/agreement/effective_date", cfg.agreement.effective_date);
        for (i, p) in cfg.parties.iter().enumerate() {
            let Some(date) = p.acceded else { continue };
            let ptr = format!("/parties/{i}/acceded");
            if cfg.accession.is_none() {
                self.err(
                    "config::missing-table",
                    &ptr,
                    format!("`{}` acceded, but the document has no [accession] table", p.id),
                    "add [accession] (approval = \"all\" or \"review_owner\"), which annexes the accession form".into(),
                );
            }
            if let (Some(e), Some(d)) = (effective, self.date(&ptr, date))
                && d < e
            {
                self.err(
                    "config::impossible-date",
                    &ptr,
                    format!(
                        "`{}` acceded on {d}, before the document takes effect on {e}",
                        p.id
                    ),
                    "an organisation that joins from the start signs the document: remove acceded"
                        .into(),
                );
            }
        }
        if cfg.parties.iter().all(|p| p.acceded.is_some()) && !cfg.parties.is_empty() {
            self.err(
                "config::impossible-role",
                "/parties",
                "every party acceded: someone must sign the document itself".into(),
                "remove acceded from the parties that sign it".into(),
            );
        }
        for (i, b) in cfg.bilateral.iter().enumerate() {
            if cfg.agreement.kind != DocumentKind::Protocol {
                self.err(
                    "config::wrong-kind",
                    &format!("/bilateral/{i}"),
                    "[[bilateral]] belongs in a protocol: an agreement covers personal data itself"
                        .into(),
                    "remove the [[bilateral]] table, or set agreement.kind = \"protocol\"".into(),
                );
            }
            for (j, p) in b.parties.iter().enumerate() {
                self.reference(
                    &format!("/bilateral/{i}/parties/{j}"),
                    p,
                    "party",
                    "parties",
                    &ids.parties,
                );
            }
            if b.parties.len() != 2 || b.parties[0] == b.parties[1] {
                self.err(
                    "config::invalid-value",
                    &format!("/bilateral/{i}/parties"),
                    "a bilateral agreement is between two participants".into(),
                    "write parties = [\"<id>\", \"<id>\"] with two different participants".into(),
                );
            }
        }
    }

    fn term(&mut self) {
        let cfg = &self.loaded.config;
        match (&cfg.term.duration, cfg.term.end_date) {
            (Some(_), Some(_)) => self.err(
                "config::conflicting-fields",
                "/term",
                "[term] has both `duration` and `end_date`".into(),
                "keep one: duration = \"P24M\" or end_date = 2028-02-29".into(),
            ),
            (None, Some(end)) => {
                if let (Some(end), Some(start)) = (
                    self.date("/term/end_date", end),
                    self.date("/agreement/effective_date", cfg.agreement.effective_date),
                ) && end <= start
                {
                    self.err(
                        "config::impossible-date",
                        "/term/end_date",
                        format!(
                            "the agreement ends ({end}) on or before it takes effect ({start})"
                        ),
                        "the end date must come after agreement.effective_date".into(),
                    );
                }
            }
            (Some(_), None) | (None, None) => {}
        }
    }
}

/// The ids each table declares, which references elsewhere must use.
struct Ids<'a> {
    parties: Vec<&'a str>,
    datasets: Vec<&'a str>,
    /// Dataset ids and `derived`, for tables that also cover derived data.
    with_derived: Vec<&'a str>,
    purposes: Vec<&'a str>,
    subprocessors: Vec<&'a str>,
}

impl<'a> Ids<'a> {
    fn of(cfg: &'a Config) -> Self {
        let datasets: Vec<&str> = cfg.datasets.iter().map(|d| d.id.as_str()).collect();
        let mut with_derived = datasets.clone();
        with_derived.push("derived");
        Ids {
            parties: cfg.parties.iter().map(|p| p.id.as_str()).collect(),
            datasets,
            with_derived,
            purposes: cfg.purposes.iter().map(|p| p.id.as_str()).collect(),
            subprocessors: cfg.subprocessors.iter().map(|s| s.id.as_str()).collect(),
        }
    }
}

fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// A reference is used as a file name: keep it portable and free of path tricks.
pub fn is_valid_reference(r: &str) -> bool {
    !r.is_empty()
        && r.len() <= 100
        && !r.starts_with('.')
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}
