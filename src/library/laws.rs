//! Law profiles: `clauses/laws/*.toml`, one per data-protection legal frame (the GDPR, the UK
//! GDPR, a national law, an international organisation's own rules, or no general law).
//!
//! In: the library's files. Out: [`Laws`], and for an agreement the frame of each party
//! ([`Laws::frames`]): the profile named by the party's `law`, else the profile of an
//! international organisation with privileges and immunities, else the profile whose
//! `countries` hold the party's country, else `unlisted` (a law datapact has no profile of).
//! Clauses see the frames as `law`.

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
    /// How the standard clauses are used: `eu_modules` (the EU clauses of Decision 2021/914,
    /// signed in the module that fits the exporter's and importer's roles), `uk` (the UK IDTA,
    /// or the EU clauses with the UK Addendum), `own` (the law's own clauses, named in
    /// `standard_clauses`), or empty where the law has none.
    #[serde(default)]
    pub standard_clauses_kind: String,
    /// Destinations this law itself finds adequate (ISO codes; `EEA` stands for the 30 EEA
    /// states), as of `adequacy_as_of`. Empty where the profile records no such list.
    #[serde(default)]
    pub adequate: Vec<String>,
    #[serde(default)]
    pub adequacy_as_of: String,
    /// The exporter must assess whether the destination's law lets the importer keep its
    /// safeguards (transfer impact assessment) before relying on them.
    #[serde(default)]
    pub impact_assessment: bool,
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
    /// The legal bases for processing the law provides, as `[[legal_bases]]` names them
    /// (`consent`, `contract`, `legal_obligation`, `vital_interests`, `public_task`,
    /// `legitimate_interests`); empty where the profile does not say (then `check` does not
    /// compare).
    #[serde(default)]
    pub lawful_bases: Vec<String>,
    pub transfer: TransferRule,
    pub verification: Verification,
}

/// Every profile of a library, by id.
#[derive(Debug, Clone, Default)]
pub struct Laws {
    pub by_id: BTreeMap<String, Law>,
}

/// The profiles every library must have: the fall-backs of [`Laws::frame_of`].
const FALLBACKS: [&str; 3] = ["io-rules", "none", "unlisted"];

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
                    .help("every library needs the `io-rules`, `none` and `unlisted` law profiles; copy datapact's own with `datapact clauses --export DIR`"),
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
            .or_else(|| self.by_id.get("unlisted"))
    }

    /// The profile that frames a party's processing, as its text names it: the `unlisted`
    /// fall-back is named after the party's country ("data-protection law of Tanzania"), and a
    /// party's own `law_citation` replaces the profile's citation (and for an international
    /// organisation, the name of its rules).
    pub fn frame_for(&self, p: &Party) -> Option<std::borrow::Cow<'_, Law>> {
        let law = self.frame_of(p)?;
        if law.id != "unlisted" && p.law_citation.is_none() {
            return Some(std::borrow::Cow::Borrowed(law));
        }
        let mut own = law.clone();
        if law.id == "unlisted" {
            own.name = format!(
                "data-protection law of {}",
                crate::model::country_name(&p.country)
            );
        }
        if let Some(c) = &p.law_citation {
            own.citation = c.clone();
            if law.kind == LawKind::InternationalOrganisation {
                own.name = c.clone();
            }
        }
        Some(std::borrow::Cow::Owned(own))
    }

    /// How running text names the frame after "under": "the Kenya Data Protection Act 2019",
    /// or for an international organisation without a citation, "its own data-protection rules".
    pub fn under(law: &Law) -> String {
        if law.kind == LawKind::InternationalOrganisation && law.citation.is_empty() {
            law.name.clone()
        } else {
            format!("the {}", law.name)
        }
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
            let law = match self.frame_for(p) {
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
            let mut v = serde_json::to_value(&*law).unwrap_or_else(|_| json!({}));
            if let Value::Object(m) = &mut v {
                m.insert("under".into(), Value::String(Laws::under(&law)));
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
