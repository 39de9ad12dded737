//! Outputs (safeguards 4 and 7): disclosure-control rules that can be applied and count the
//! unit of the data, licences per class of output, and publication terms that agree with each
//! other on whether a provider is named.

use crate::config::{Authorship, NameProvider};
use crate::diag::Severity;
use crate::model::Model;

use super::{Findings, Rule, cfg, party};

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "OUT-001",
            severity: Severity::Error,
            title: "Disclosure-control rules state values that can be applied",
            help: "write dominance_percent and p_percent as a share from 1 to 99, dominance_n as 1 or more (with dominance_percent), and rounding_base as 2 or more, e.g. dominance_n = 3, dominance_percent = 75, rounding_base = 5",
            source: "Hundepool et al., Statistical Disclosure Control (2012), 4.2 (sensitivity rules); Eurostat, Handbook on Statistical Disclosure Control for Outputs (2013)",
            safeguards: &[7],
            explain: "A dominance rule (n, k) says that the n largest contributors to a cell may not account for \
more than k per cent of its total; a p % rule, that no contributor may estimate another's value to within p per \
cent; rounding, that counts are shown as multiples of a base. A share of 0 or of 100 per cent or more, n below 1, \
an n without a k, or a base below 2 is a rule no one can apply, and the agreement would state it as written.",
            check: out_001,
        },
        Rule {
            id: "OUT-002",
            severity: Severity::Error,
            title: "The disclosure threshold counts the unit of the data",
            help: "count the threshold in the contributors of the data, e.g. cell_unit = \"enterprises\" (or \"reporting institutions\")",
            source: "Eurostat, Handbook on Statistical Disclosure Control for Outputs (2013), business statistics; OCHA statistical disclosure control",
            safeguards: &[7],
            explain: "A threshold is only a protection in the unit that can be recognised in a cell. For business \
statistics that is the enterprise or reporting institution, not a person: \"fewer than 3 people\" on data about \
enterprises states a rule the data cannot meet. Where no dataset is about people, a threshold counted in people, \
households, subscribers or senders is an error.",
            check: out_002,
        },
        Rule {
            id: "OUT-003",
            severity: Severity::Error,
            title: "Each licence class names its outputs and its terms",
            help: "give each [[outputs.licence_classes]] entry outputs = [\"…\"] (the outputs it covers, in words) and a licence = \"…\" or purposes = [\"<purpose id>\"]",
            source: "GovLab Contracts for Data Collaboration (licensing of outputs); Creative Commons licence terms",
            safeguards: &[4],
            explain: "A licence per class of output lets coarse outputs go out under an open licence while fine ones \
stay restricted to named purposes. A class that names no outputs binds nothing, and one with neither a licence \
nor purposes gives no terms: the agreement could not say what may be done with those outputs.",
            check: out_003,
        },
        Rule {
            id: "OUT-004",
            severity: Severity::Error,
            title: "Outputs name a provider only as the publication terms allow",
            help: "write an attribution that does not name the provider, e.g. attribution = \"Data: a mobile network operator in Kenya\", or set name_provider = \"source_line\"",
            source: "MRC policy on data-sharing agreements (publication and acknowledgement); ICMJE, Defining the role of authors and contributors",
            safeguards: &[4, 6],
            explain: "When a provider is named only with its consent (`name_provider = \"with_consent\"`) or never, \
the acknowledgement line every output carries cannot name it, and co-authors offered to each provider \
(`authorship = \"offer_each_provider\"`) would name it through their affiliation: the agreement would contradict \
itself.",
            check: out_004,
        },
    ]
}

fn out_001(m: &Model, f: &mut Findings) {
    let o = &cfg(m).outputs;
    for (field, v) in [
        ("dominance_percent", o.dominance_percent),
        ("p_percent", o.p_percent),
    ] {
        if let Some(v) = v
            && !(1..100).contains(&v)
        {
            f.at(
                format!("/outputs/{field}"),
                format!("{field} = {v}: a share that no cell can be checked against"),
            )
            .help(format!(
                "write {field} as a share from 1 to 99 per cent, e.g. {field} = {}",
                if field == "p_percent" { 10 } else { 75 }
            ));
        }
    }
    match (o.dominance_n, o.dominance_percent) {
        (Some(0), _) => {
            f.at(
                "/outputs/dominance_n",
                "dominance_n = 0: a dominance rule counts at least the largest contributor",
            )
            .help("write dominance_n = 1 for the single largest contributor, or the n of the (n, k) rule, e.g. 3");
        }
        (Some(n), None) => {
            f.at(
                "/outputs/dominance_n",
                format!("dominance_n = {n} is the n of an (n, k) rule, but no k (dominance_percent) is given"),
            )
            .help(format!("add dominance_percent = 75 (the k of the ({n}, k) rule) to [outputs], or remove dominance_n"));
        }
        _ => {}
    }
    if let Some(b) = o.rounding_base
        && b < 2
    {
        f.at(
            "/outputs/rounding_base",
            format!("rounding_base = {b} rounds nothing"),
        )
        .help("write the base counts are rounded to, e.g. rounding_base = 5, or remove it");
    }
}

/// Words of a cell unit that count people.
const PEOPLE_UNITS: &[&str] = &[
    "people",
    "person",
    "persons",
    "individual",
    "individuals",
    "household",
    "households",
    "subscriber",
    "subscribers",
    "sender",
    "senders",
    "customer",
    "customers",
    "user",
    "users",
    "resident",
    "residents",
    "respondent",
    "respondents",
    "beneficiary",
    "beneficiaries",
    "patient",
    "patients",
];

fn counts_people(unit: &str) -> bool {
    unit.split(|c: char| !c.is_alphanumeric())
        .any(|w| PEOPLE_UNITS.contains(&w.to_lowercase().as_str()))
}

fn out_002(m: &Model, f: &mut Findings) {
    if m.derived.about_people {
        return;
    }
    let c = cfg(m);
    if let Some(u) = &c.outputs.cell_unit
        && counts_people(u)
    {
        f.at(
            "/outputs/cell_unit",
            format!("the threshold is counted in {u}, but no dataset is about people"),
        );
    }
    for (i, d) in c.datasets.iter().enumerate() {
        if let Some(u) = &d.cell_unit
            && counts_people(u)
        {
            f.at(
                format!("/datasets/{i}/cell_unit"),
                format!(
                    "the threshold of `{}` is counted in {u}, but the dataset is not about people",
                    d.id
                ),
            );
        }
    }
}

fn out_003(m: &Model, f: &mut Findings) {
    for (i, c) in cfg(m).outputs.licence_classes.iter().enumerate() {
        let at = format!("/outputs/licence_classes/{i}");
        if c.outputs.iter().all(|s| s.trim().is_empty()) {
            f.at(at.clone(), format!("licence class {} names no outputs", i + 1))
                .help("add outputs = [\"…\"] naming the outputs of this class in words, e.g. [\"tables by province\"], or remove the class");
        }
        if super::blank(&c.licence) && c.purposes.is_empty() {
            f.at(at, format!("licence class {} gives neither a licence nor purposes", i + 1))
                .help("add licence = \"CC BY 4.0\" (or the licence agreed), or purposes = [\"<purpose id>\"] to restrict use of these outputs");
        }
    }
}

fn out_004(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let o = &c.outputs;
    if !o.publication_allowed {
        return;
    }
    let Some(how @ (NameProvider::WithConsent | NameProvider::Never)) = o.name_provider else {
        return;
    };
    let how = match how {
        NameProvider::Never => "never",
        _ => "only with its consent",
    };
    let may = if how == "never" {
        "outputs may never name it"
    } else {
        "outputs may name it only with its consent"
    };
    let mut providers: Vec<&str> = c.datasets.iter().map(|d| d.provider.as_str()).collect();
    providers.sort_unstable();
    providers.dedup();
    if let Some(a) = &o.attribution {
        let lower = a.to_lowercase();
        for id in &providers {
            let Some((_, p)) = party(c, id) else { continue };
            let named = std::iter::once(p.legal_name.as_str())
                .chain(p.short_name.as_deref())
                .map(|n| {
                    let n = n.trim();
                    n.strip_prefix("the ")
                        .or_else(|| n.strip_prefix("The "))
                        .unwrap_or(n)
                })
                .filter(|n| n.len() > 2)
                .find(|n| lower.contains(&n.to_lowercase()));
            if let Some(n) = named {
                f.at(
                    "/outputs/attribution",
                    format!("the acknowledgement names `{id}` (\"{n}\"), but {may}"),
                );
            }
        }
    }
    if o.authorship == Some(Authorship::OfferEachProvider) && how == "never" {
        f.at(
            "/outputs/authorship",
            "co-authors offered to each provider would name, by their affiliation, a provider that outputs never name",
        )
        .help("set authorship = \"contribution\" or \"creating_party\", or name_provider = \"with_consent\"");
    }
}

#[cfg(test)]
mod tests {
    use super::counts_people;

    #[test]
    fn units_that_count_people() {
        assert!(counts_people("households"));
        assert!(counts_people("mobile subscribers"));
        assert!(counts_people("People"));
        assert!(!counts_people("enterprises"));
        assert!(!counts_people("reporting institutions"));
        assert!(!counts_people("contributing firms"));
    }
}
