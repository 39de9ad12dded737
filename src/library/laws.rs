//! Law profiles: `clauses/laws/*.toml`, one per data-protection legal frame (the GDPR, the UK
//! GDPR, a national law, an international organisation's own rules, or no general law).
//!
//! In: the library's files. Out: [`Laws`], and for an agreement the frame of each party
//! ([`Laws::frames`]): the profile named by the party's `law`, else the profile of an
//! international organisation with privileges and immunities, else the profile whose
//! `countries` hold the party's country, else `none`. Clauses see the frames as `law`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::config::{Party, PartyKind};
use crate::diag::{Diagnostic, SourceFile};

/// What kind of frame a profile is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LawKind {
    Gdpr,
    UkGdpr,
    National,
    InternationalOrganisation,
    None,
}

/// Where a law says each thing, as a clause cites it ("s. 42", "Art. 28(3)"); empty where the
/// law has no such provision.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Provisions {
    pub principles: String,
    pub lawful_basis: String,
    pub sensitive_data: String,
    pub processor_contract: String,
    pub security: String,
    pub breach_notification: String,
    /// Hours to notify the authority; 0 where the law sets no fixed deadline.
    pub breach_hours: u32,
    pub data_subject_rights: String,
    pub impact_assessment: String,
    pub transfers: String,
    pub registration: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRule {
    /// One sentence: when data may leave the law's area.
    pub rule: String,
    pub mechanisms: Vec<String>,
    /// The official standard clauses, if the law has them.
    pub standard_clauses: String,
}

/// Which values were checked against the law's official text.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    pub verified: Vec<String>,
    pub unverified: Vec<String>,
    pub notes: String,
}

/// One law profile.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Law {
    pub id: String,
    /// The short name used in running text ("Kenya Data Protection Act 2019").
    pub name: String,
    /// The official citation.
    pub citation: String,
    pub kind: LawKind,
    /// ISO 3166-1 alpha-2 codes of the countries whose organisations it binds by establishment.
    pub countries: Vec<String>,
    /// The supervisory authority; empty where there is none.
    pub authority: String,
    pub provisions: Provisions,
    pub transfer: TransferRule,
    pub verification: Verification,
}

/// Every profile of a library, by id.
#[derive(Debug, Clone, Default)]
pub struct Laws {
    pub by_id: BTreeMap<String, Law>,
}

/// The profiles every library must have: the fall-backs of [`Laws::frame_of`].
const FALLBACKS: [&str; 2] = ["io-rules", "none"];

impl Laws {
    /// Parse `clauses/laws/*.toml` from a library's files (`(relative path, text)`).
    pub(super) fn read<'a>(
        root: &Path,
        files: impl Iterator<Item = (&'a str, &'a str)>,
        diags: &mut Vec<Diagnostic>,
    ) -> Laws {
        let mut by_id = BTreeMap::new();
        for (rel, text) in files {
            let Some(stem) = rel
                .strip_prefix("clauses/laws/")
                .and_then(|r| r.strip_suffix(".toml"))
            else {
                continue;
            };
            let src = SourceFile::new(&root.join(rel), text);
            match toml::from_str::<Law>(text) {
                Ok(law) if law.id != stem => diags.push(
                    Diagnostic::error(
                        "library::bad-law",
                        format!("law profile `{}` is in {rel}", law.id),
                    )
                    .help(format!("name the file {}.toml, or set id = \"{stem}\"", law.id)),
                ),
                Ok(law) => {
                    by_id.insert(law.id.clone(), law);
                }
                Err(e) => diags.push(
                    Diagnostic::error("library::bad-law", e.message().to_owned())
                        .help("a law profile has id, name, citation, kind, countries, authority, [provisions], [transfer] and [verification]; see clauses/laws/ke-dpa-2019.toml")
                        .at(&src, e.span()),
                ),
            }
        }
        for id in FALLBACKS {
            if !by_id.contains_key(id) {
                diags.push(
                    Diagnostic::error(
                        "library::bad-law",
                        format!("{} has no clauses/laws/{id}.toml", root.display()),
                    )
                    .help("every library needs the `io-rules` and `none` law profiles; copy datapact's own with `datapact clauses --export DIR`"),
                );
            }
        }
        Laws { by_id }
    }

    /// The profile that frames a party's processing; `None` when the party names a profile
    /// the library does not have.
    pub fn frame_of(&self, p: &Party) -> Option<&Law> {
        if let Some(id) = &p.law {
            return self.by_id.get(id);
        }
        if p.kind == PartyKind::InternationalOrganisation && p.privileges_and_immunities {
            return self.by_id.get("io-rules");
        }
        self.by_id
            .values()
            .find(|l| l.countries.iter().any(|c| c == &p.country))
            .or_else(|| self.by_id.get("none"))
    }

    /// The frames of an agreement's parties as clauses see them (`law`): `law.parties[id]` (the
    /// profile, with `name` and `citation` as the party's own rules where it gives them),
    /// `law.gdpr` (some party is under the GDPR), `law.uk_gdpr`, `law.all_gdpr` (every party
    /// is), `law.national` (some party is under a national law), `law.io` (some party applies
    /// its own rules under privileges and immunities) and `law.none` (some party is under no
    /// general data-protection law). An unknown `law` is a diagnostic at `/parties/N/law`.
    pub fn frames(&self, parties: &[Party]) -> Result<Value, Vec<(String, Diagnostic)>> {
        let mut out = Map::new();
        let mut errors = Vec::new();
        let mut kinds = Vec::new();
        for (i, p) in parties.iter().enumerate() {
            let law = match self.frame_of(p) {
                Some(l) => l,
                None => {
                    let known: Vec<&str> = self.by_id.keys().map(String::as_str).collect();
                    errors.push((
                        format!("/parties/{i}/law"),
                        Diagnostic::error(
                            "config::unknown-law",
                            format!(
                                "party `{}` names law profile `{}`, which the library does not have",
                                p.id,
                                p.law.as_deref().unwrap_or_default()
                            ),
                        )
                        .help(format!(
                            "write one of: {} (or add clauses/laws/<id>.toml to your library)",
                            known.join(", ")
                        )),
                    ));
                    continue;
                }
            };
            kinds.push(law.kind);
            let mut v = serde_json::to_value(law).unwrap_or_else(|_| json!({}));
            if let (Value::Object(m), Some(own)) = (&mut v, &p.law_citation) {
                m.insert("citation".into(), Value::String(own.clone()));
                if law.kind == LawKind::InternationalOrganisation {
                    m.insert("name".into(), Value::String(own.clone()));
                }
            }
            out.insert(p.id.clone(), v);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let any = |k: LawKind| kinds.contains(&k);
        Ok(json!({
            "parties": out,
            "gdpr": any(LawKind::Gdpr),
            "uk_gdpr": any(LawKind::UkGdpr),
            "all_gdpr": !kinds.is_empty() && kinds.iter().all(|k| *k == LawKind::Gdpr),
            "national": any(LawKind::National),
            "io": any(LawKind::InternationalOrganisation),
            "none": any(LawKind::None),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_profile_reads_and_its_countries_are_unique() {
        let lib = crate::library::Library::builtin().expect("built-in library");
        let laws = &lib.laws;
        for id in [
            "gdpr",
            "uk-gdpr",
            "ch-fadp",
            "ke-dpa-2019",
            "ng-ndpa-2023",
            "za-popia",
            "ug-dppa-2019",
            "gh-dpa-2012",
            "rw-law-058-2021",
            "br-lgpd",
            "co-law-1581",
            "tr-kvkk",
            "jo-pdpl-2023",
            "io-rules",
            "none",
        ] {
            let l = laws
                .by_id
                .get(id)
                .unwrap_or_else(|| panic!("no profile {id}"));
            assert!(!l.name.is_empty(), "{id}");
            if !matches!(l.kind, LawKind::None | LawKind::InternationalOrganisation) {
                assert!(!l.citation.is_empty() && !l.countries.is_empty(), "{id}");
            }
        }
        let mut seen = std::collections::BTreeMap::new();
        for l in laws.by_id.values() {
            for c in &l.countries {
                if let Some(other) = seen.insert(c.clone(), l.id.clone()) {
                    panic!("{c} is in both {other} and {}", l.id);
                }
            }
        }
        assert_eq!(seen.get("DE").map(String::as_str), Some("gdpr"));
    }
}
