//! The retention schedule: one row per dataset and holder, with the period in words.
//!
//! In: a checked [`Config`]. Out: [`RetentionRow`]s, and which parties an entry binds.

use super::RetentionRow;
use crate::config::*;

pub(super) fn derive_retention(cfg: &Config) -> Vec<RetentionRow> {
    let name = |id: &str| {
        cfg.parties
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.short_name.clone().unwrap_or_else(|| p.legal_name.clone()))
            .unwrap_or_else(|| id.to_owned())
    };
    let title = |id: &str| {
        if id == "derived" {
            "Derived Data and outputs".to_owned()
        } else {
            cfg.datasets
                .iter()
                .find(|ds| ds.id == id)
                .map(|ds| ds.title.clone())
                .unwrap_or_else(|| id.to_owned())
        }
    };
    let mut rows = Vec::new();
    for (i, r) in cfg.retention.iter().enumerate() {
        let holders: Vec<String> = retention_holders(cfg, r)
            .into_iter()
            .map(str::to_owned)
            .collect();
        // Shared data is kept from its receipt; data derived from it, from its creation.
        let start = if r.dataset == "derived" {
            "creation"
        } else {
            "receipt"
        };
        let period_text = match (&r.period, &r.event, &r.max) {
            _ if r.indefinite => "without limit".to_owned(),
            (Some(p), _, _) => format!("{} from {start}", p.humanize()),
            (None, Some(e), Some(m)) => format!(
                "until {e}, and no longer than {} from {start}",
                m.humanize()
            ),
            _ => String::new(),
        };
        for h in holders {
            rows.push(RetentionRow {
                dataset: r.dataset.clone(),
                dataset_title: title(&r.dataset),
                holder: name(&h),
                holder_id: h.clone(),
                period_text: period_text.clone(),
                event: r.event.clone(),
                disposal: r.disposal,
                method: r.method.clone(),
                certification: r.certification,
                legal_hold: r.legal_hold.clone(),
                indefinite: r.indefinite,
                declared: Some(i),
            });
        }
    }
    rows
}

/// The parties a retention entry binds: its `party`, or else every party that receives a copy
/// of the dataset on a flow (any flow for `derived`: outputs released from an environment are
/// held by the recipient), and the host of a secure environment that holds the dataset for a
/// flow without a copy, each unless it has an entry of its own for it.
pub(super) fn retention_holders<'c>(cfg: &'c Config, r: &'c Retention) -> Vec<&'c str> {
    if let Some(p) = &r.party {
        return vec![p.as_str()];
    }
    let mut v: Vec<&str> = Vec::new();
    let own_entry = |p: &str| {
        cfg.retention
            .iter()
            .any(|o| o.dataset == r.dataset && o.party.as_deref() == Some(p))
    };
    for f in &cfg.flows {
        let holder = if r.dataset == "derived" {
            Some(f.to.as_str())
        } else if !f.datasets.contains(&r.dataset) {
            None
        } else if f.access_mode().holds_copy() {
            Some(f.to.as_str())
        } else {
            // The copy the environment holds for the recipient's work.
            Some(f.host())
        };
        if let Some(h) = holder
            && !v.contains(&h)
            && !own_entry(h)
        {
            v.push(h);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use crate::model::{build, model_of};

    #[test]
    fn a_retention_entry_without_party_leaves_out_parties_with_their_own() {
        let base = include_str!("../../examples/ngo-survey.toml");
        // `responses` reaches `ngo` (and `survey` receives the sample frame). A general entry
        // for `responses` now covers no one but those without an entry of their own: `ngo`
        // and `survey` both have one, so it adds no row.
        let text = base.replace(
            "[[retention]]\ndataset = \"derived\"",
            "[[retention]]\ndataset = \"responses\"\nperiod = \"P10Y\"\ndisposal = \"delete\"\n\n[[retention]]\ndataset = \"derived\"",
        );
        assert_ne!(text, base);
        let m = model_of(&text);
        let rows: Vec<(&str, &str)> = m
            .derived
            .retention
            .iter()
            .filter(|r| r.dataset == "responses")
            .map(|r| (r.holder_id.as_str(), r.period_text.as_str()))
            .collect();
        assert!(
            rows.iter().all(|(_, p)| !p.contains("10 years")),
            "{rows:?}"
        );
        assert_eq!(
            rows.iter().filter(|(h, _)| *h == "ngo").count(),
            1,
            "{rows:?}"
        );
        // Without the specific entry for `ngo`, the general one binds it.
        let text = text.replace(
            "[[retention]]\ndataset = \"responses\"\nparty = \"ngo\"",
            "[[retention]]\ndataset = \"responses\"\nparty = \"survey\"",
        );
        let loaded = crate::load::load_str(std::path::Path::new("t.toml"), &text).expect("loads");
        // `survey` now has two entries for `responses`: refused, naming both.
        let errs = build(loaded).expect_err("duplicate refused");
        assert!(
            errs.iter().any(|d| d.code == "config::duplicate-entry"
                && d.message.contains("`survey` keeps `responses`")),
            "{errs:?}"
        );
    }
}
