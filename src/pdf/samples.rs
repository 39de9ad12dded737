// Sample inputs shared by the tests and the dev `render` example (which
// `include!`s this file, hence the `super::` imports).

use super::{PdfMeta, PdfParty, PdfSignatory, PdfStatus};

pub fn sample_meta(status: PdfStatus) -> PdfMeta {
    let party =
        |legal: &str, short: &str, country: &str, role: &str, sigs: &[(&str, &str)]| PdfParty {
            legal_name: legal.into(),
            short_name: short.into(),
            kind: "public_body".into(),
            country: country.into(),
            address: "Rue de la Loi 1, 1000 Brussels".into(),
            role: role.into(),
            acceded: String::new(),
            signatories: sigs
                .iter()
                .map(|(n, t)| PdfSignatory {
                    name: (*n).into(),
                    title: (*t).into(),
                })
                .collect(),
        };
    PdfMeta {
        title: "Data-sharing agreement on mobility statistics".into(),
        reference: "DSA-2026-001".into(),
        version: "1.0".into(),
        status,
        date: "2026-03-01".into(),
        binding: true,
        kind_label: "Data-sharing agreement".into(),
        parties: vec![
            party(
                "Example Telecom SA",
                "Telecom",
                "Belgium",
                "controller",
                &[
                    ("Anne Dupont", "Chief Data Officer"),
                    ("Marc Peeters", "General Counsel"),
                ],
            ),
            party(
                "International Organization for Migration",
                "IOM",
                "Switzerland",
                "recipient",
                &[("Amina Yusuf", "Director, Data Institute")],
            ),
            party(
                "وزارة التخطيط",
                "Ministry",
                "Jordan",
                "joint_controller",
                &[("ሰላም ተስፋዬ", "数据官员")],
            ),
        ],
        provenance: "config sha256 0f3c…9a1b, clause library 2026.1, datapact 0.1.0".into(),
    }
}

/// A realistic agreement of about `sections` × 1 page.
pub fn sample_markdown(sections: usize) -> String {
    let mut md = String::from(
        "# Data-sharing agreement\n\nThis agreement is made between the parties listed in [Parties](#annex-parties).\n\n",
    );
    md.push_str("## Definitions {#definitions}\n\n### Defined terms {#defined-terms}\n\n");
    md.push_str("Personal data\n: Any information relating to an identified or identifiable natural person.\n\n");
    md.push_str("Aggregated data\n: Counts of at least ten devices per cell and hour[^agg], never re-identified.\n\n");
    for s in 0..sections {
        md.push_str(&format!("## Obligations part {s} {{#sec-{s}}}\n\n"));
        md.push_str("Each party shall comply with this section.\n\n");
        for c in 0..3 {
            md.push_str(&format!(
                "### Clause heading {s}-{c} {{#clause-{s}-{c}}}\n\n"
            ));
            for _ in 0..2 {
                md.push_str("The recipient shall process the shared data only for the purpose set out in [Definitions](#definitions) and shall not attempt to re-identify any individual.\n");
                md.push_str("Access is limited to named analysts who have completed training, and every access is logged and reviewed monthly by the controller’s data protection officer.\n");
                md.push_str("Data are retained for no longer than twenty-four months, after which they are securely deleted[^agg] as described in [Retention and disposal](#clause-0-1).\n\n");
            }
            if c == 1 {
                md.push_str("1. notify the controller without undue delay;\n2. contain the incident;\n   - isolate affected systems;\n   - preserve logs;\n3. document the facts.\n\n");
            }
        }
        if s == 0 {
            md.push_str("| Data item | Frequency | Volume |\n|:--|:-:|--:|\n| Trips per cell | daily | 1.2 M |\n| Dwell time | weekly | 300 k |\n\n");
            md.push_str("> Nothing in this agreement obliges a party to disclose data it is legally prohibited from sharing.\n\n");
        }
    }
    md.push_str("## Languages {#languages}\n\n### Names in other scripts {#names}\n\n");
    md.push_str("The parties record their names as registered: شركة البيانات المفتوحة (Arabic), سازمان آمار ایران (Persian), د افغانستان د احصایې ملي اداره (Pashto), የኢትዮጵያ ስታቲስቲክስ አገልግሎት (Amharic), ሚኒስቴር ጤና ትግራይ (Tigrinya), राष्ट्रीय सांख्यिकी कार्यालय (Hindi), 国际移民组织数据研究所 (Chinese) and Министерство здравоохранения (Russian).\n\n");
    md.push_str(
        "Records use this layout:\n\n```toml\n[party]\nname = \"Example \\\"Telecom\\\"\"\n```\n\n",
    );
    md.push_str("## Parties {#annex-parties .annex}\n\n### Contact points {#contacts}\n\nQuestions go to <dpo@example.org> or [the portal](https://example.org/dsa).\n\n");
    md.push_str("## Data items {#annex-data .annex}\n\n### Fields {#fields}\n\n`cell_id`, `hour`, `count`.\n\n");
    md.push_str("[^agg]: Small counts are suppressed before sharing.\n");
    md
}
