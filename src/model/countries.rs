//! Countries: names as running text reads them, the EEA, adequacy decisions.
//!
//! In: ISO 3166-1 alpha-2 codes. Out: names and the legal area a code belongs to.

/// EEA member states: EU 27 plus Iceland, Liechtenstein and Norway.
pub const EEA: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

/// Countries with a general EU adequacy decision. The United States is left out because its
/// decision covers only certified organisations: declare `adequacy` for such an importer.
pub const ADEQUATE: &[&str] = &[
    "AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "UY",
];
pub const ADEQUACY_AS_OF: &str = "2025-09-01";

pub fn is_eea(code: &str) -> bool {
    EEA.contains(&code)
}

/// A country's name as it reads in running text ("the United Kingdom", "Kenya").
pub fn country_name(code: &str) -> String {
    const SHORT: &[(&str, &str)] = &[
        ("GB", "the United Kingdom"),
        ("US", "the United States"),
        ("NL", "the Netherlands"),
        ("PH", "the Philippines"),
        ("AE", "the United Arab Emirates"),
        ("CD", "the Democratic Republic of the Congo"),
        ("CG", "the Republic of the Congo"),
        ("CF", "the Central African Republic"),
        ("DO", "the Dominican Republic"),
        ("CZ", "Czechia"),
        ("KR", "the Republic of Korea"),
        ("KP", "the Democratic People's Republic of Korea"),
        ("RU", "the Russian Federation"),
        ("SY", "Syria"),
        ("IR", "Iran"),
        ("VE", "Venezuela"),
        ("BO", "Bolivia"),
        ("TZ", "Tanzania"),
        ("MD", "Moldova"),
        ("LA", "Laos"),
        ("VN", "Viet Nam"),
        ("PS", "Palestine"),
        ("TW", "Taiwan"),
        ("GM", "the Gambia"),
        ("BS", "the Bahamas"),
        ("SD", "Sudan"),
        ("SS", "South Sudan"),
    ];
    if let Some((_, name)) = SHORT.iter().find(|(c, _)| *c == code) {
        return (*name).to_owned();
    }
    isocountry::CountryCode::for_alpha2(code)
        .map(|c| c.name().to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

/// The legal area a country belongs to for transfers: the EEA as one, others alone.
pub(super) fn area(country: &str) -> &str {
    if is_eea(country) { "EEA" } else { country }
}
