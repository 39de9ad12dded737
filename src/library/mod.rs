//! The clause library: clause files and templates, loaded once, then selected per agreement.
//!
//! In: a folder holding `clauses/` (one Markdown file per clause with TOML front matter, plus
//! `sections.toml`) and `templates/` — or the copy built into the binary. Out: a [`Library`]
//! with the document templates and clause conditions compiled (clause bodies on first use),
//! and, per agreement, a [`Selection`] saying which clauses apply and why.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::digest::hex;

use crate::diag::{Diagnostic, SourceFile, did_you_mean};
use strum::VariantArray;

pub(crate) mod filters;
pub mod laws;
mod select;

pub use filters::{capfirst, escape_markdown, join_words, markdown_tera};
pub use select::{Reason, Selection, SelectionEntry};

static BUILTIN_CLAUSES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/clauses");
static BUILTIN_TEMPLATES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// Where a library came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    Dir(PathBuf),
}

/// A section of the agreement; clauses name the section they belong to.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    /// Annexes come after the body and are lettered in the PDF.
    #[serde(default)]
    pub annex: bool,
    /// The safeguards the section is given over to (the checklist points there).
    #[serde(default)]
    pub safeguards: Vec<u8>,
    /// The kinds of document the section belongs in (`agreement`, `processor_terms`).
    /// Default: every kind.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// The section's title in a kind of document that calls it otherwise, by kind, e.g.
    /// `titles = { protocol = "Participants" }`.
    #[serde(default)]
    pub titles: BTreeMap<String, String>,
}

impl Section {
    /// The section's title in a document of kind `kind`.
    pub fn title_for(&self, kind: &str) -> &str {
        self.titles.get(kind).unwrap_or(&self.title)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionsFile {
    version: String,
    sections: Vec<Section>,
    /// The periods the library states where the config sets none, one per obligation
    /// (`correction_days = 10`): clause text never writes a period of its own.
    #[serde(default)]
    periods: BTreeMap<String, u32>,
    /// Defined terms a kind of document names otherwise, by kind: `[terms.protocol]`
    /// `Party = "Participant"` makes `<Party>` read "Participant" in a protocol.
    #[serde(default)]
    terms: BTreeMap<String, BTreeMap<String, String>>,
}

/// The front matter of a clause file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseMeta {
    /// Stable id, also the heading anchor: lower-case words joined by '-'.
    pub id: String,
    /// Bumped whenever the wording changes.
    pub version: String,
    pub title: String,
    /// The section id this clause belongs to.
    pub section: String,
    /// Position within the section; lower comes first.
    #[serde(default = "default_order")]
    pub order: i32,
    /// A tera expression over the agreement; the clause applies when it is true.
    #[serde(default = "default_when")]
    pub when: String,
    /// A required clause cannot be left out with `[clauses] exclude`.
    #[serde(default)]
    pub required: bool,
    /// The kinds of document the clause is written for. Default: the binding kinds
    /// (`agreement`, `processor_terms`). A protocol is written in its own register ("should",
    /// "Participants"), so it takes only the clauses that list `protocol`.
    #[serde(default = "binding_kinds")]
    pub kinds: Vec<String>,
    /// Other clause ids this clause depends on (e.g. for the terms it uses).
    #[serde(default)]
    pub requires: Vec<String>,
    /// The articles and guidance this clause implements.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Which of the seven safeguards (1–7) it serves.
    #[serde(default)]
    pub safeguards: Vec<u8>,
    /// What the clause forbids, in the words `check` matches against what a config's
    /// purposes need (see [`Act`]). A clause that forbids what a declared purpose is for is a
    /// contradiction, and `check` refuses it.
    #[serde(default)]
    pub forbids: Vec<Act>,
    /// What the clause states as fact about the deal (see [`Fact`]); `check` refuses the
    /// clause in an agreement whose config says otherwise.
    #[serde(default)]
    pub assumes: Vec<Fact>,
}

/// An act a clause can forbid and a purpose can need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Act {
    /// Taking a decision or measure about a particular person or household.
    IndividualDecisions,
    /// Contacting, locating or following a particular person.
    ContactPeople,
    /// Use for law enforcement, immigration, asylum or residence decisions.
    EnforcementUse,
    /// Giving a donor, funder or its agent access to the shared data.
    DonorAccess,
    /// Commercial use of the data.
    CommercialUse,
}

impl Act {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn describe(self) -> &'static str {
        match self {
            Act::IndividualDecisions => "deciding or acting about a particular person",
            Act::ContactPeople => "contacting or locating a particular person",
            Act::EnforcementUse => {
                "use for law enforcement, immigration, asylum or residence decisions"
            }
            Act::DonorAccess => "giving a donor or its agent access to the data",
            Act::CommercialUse => "commercial use of the data",
        }
    }
}

/// A fact about the deal a clause can state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Fact {
    /// Some shared dataset is personal data (the clause imposes data-protection duties).
    PersonalData,
    /// Some recipient receives and holds a copy of the shared data.
    RecipientCopy,
    /// Some recipient works inside a secure environment or sends code to the data.
    Environment,
    /// Some party acts as a processor.
    Processor,
    /// Every purpose is research or statistics.
    ResearchOnly,
}

impl Fact {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn describe(self) -> &'static str {
        match self {
            Fact::PersonalData => "the shared data includes personal data",
            Fact::RecipientCopy => "a recipient holds a copy of the shared data",
            Fact::Environment => "a recipient works inside a secure environment",
            Fact::Processor => "a party acts as a processor",
            Fact::ResearchOnly => "every purpose is research or statistics",
        }
    }
}

fn binding_kinds() -> Vec<String> {
    vec!["agreement".to_owned(), "processor_terms".to_owned()]
}

fn default_order() -> i32 {
    100
}
fn default_when() -> String {
    "true".to_owned()
}

/// One clause: its metadata and its body template.
#[derive(Debug, Clone)]
pub struct Clause {
    pub meta: ClauseMeta,
    pub body: String,
    /// Path relative to the library root, e.g. `clauses/retention/retention-schedule.md`.
    pub path: String,
    /// sha256 of the whole clause file.
    pub hash: String,
}

impl Clause {
    pub fn template_name(&self) -> String {
        format!("clause/{}.md", self.meta.id)
    }
    fn condition_name(&self) -> String {
        format!("when/{}", self.meta.id)
    }
    /// The condition as a template that prints `true` or `false`.
    fn condition_template(&self) -> String {
        format!(
            "{{% if {} %}}true{{% else %}}false{{% endif %}}",
            self.meta.when
        )
    }
}

/// A loaded library.
pub struct Library {
    pub origin: Origin,
    pub version: String,
    pub sections: Vec<Section>,
    /// In document order: by section, then `order`, then id.
    pub clauses: Vec<Clause>,
    /// sha256 over every template file, in name order.
    pub templates_hash: String,
    /// The raw text of each template file by name (e.g. `agreement.typ`).
    pub template_files: BTreeMap<String, String>,
    /// sha256 over every clause hash and the templates hash.
    pub hash: String,
    /// The law profiles (`clauses/laws/*.toml`).
    pub laws: laws::Laws,
    /// The library's own periods (`[periods]` in `sections.toml`), by name; clauses read them
    /// as `periods.<name>`.
    pub periods: BTreeMap<String, u32>,
    /// Defined terms renamed by kind of document (`[terms.<kind>]` in `sections.toml`).
    pub terms: BTreeMap<String, BTreeMap<String, String>>,
    /// The document templates (`agreement.md`, `body.md`, …), compiled.
    pub tera: tera::Tera,
    /// Every clause's condition in one template ([`ALL_CONDITIONS`]), which prints `1` or `0`
    /// for each clause in order: one template compiles and runs in a fraction of the time of
    /// two hundred.
    conditions: tera::Tera,
    /// Each clause body, compiled on first use: an agreement renders about half the library,
    /// and compiling bodies was most of loading it. A library folder's bodies are all
    /// compiled when it loads (so a bad one is named at once); the built-in library's are
    /// checked by the test suite (`builtin_bodies_all_compile`).
    bodies: Vec<std::sync::OnceLock<Result<tera::Tera, String>>>,
    /// Position of each clause in `clauses`, by id.
    by_id: std::collections::HashMap<String, usize>,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("origin", &self.origin)
            .field("clauses", &self.clauses.len())
            .finish()
    }
}

pub use crate::digest::sha256_hex;

/// A file of the library, wherever it came from.
struct RawFile {
    rel: String,
    text: String,
}

impl Library {
    /// The library built into datapact.
    pub fn builtin() -> Result<Library, Vec<Diagnostic>> {
        let mut clause_files = Vec::new();
        collect_embedded(&BUILTIN_CLAUSES, "clauses", &mut clause_files);
        let mut template_files = Vec::new();
        collect_embedded(&BUILTIN_TEMPLATES, "templates", &mut template_files);
        Library::from_files(Origin::Builtin, clause_files, template_files)
    }

    /// A library in a folder holding `clauses/` and `templates/`.
    pub fn from_dir(dir: &Path) -> Result<Library, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        for sub in ["clauses", "templates"] {
            if !dir.join(sub).is_dir() {
                diags.push(
                    Diagnostic::error(
                        "library::missing-folder",
                        format!("{} has no `{sub}/` folder", dir.display()),
                    )
                    .help("a library folder holds clauses/ (with sections.toml) and templates/; copy datapact's own with `datapact clauses --export DIR`"),
                );
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let clause_files = read_tree(dir, "clauses").map_err(|d| vec![d])?;
        let template_files = read_tree(dir, "templates").map_err(|d| vec![d])?;
        Library::from_files(Origin::Dir(dir.to_path_buf()), clause_files, template_files)
    }

    fn from_files(
        origin: Origin,
        clause_files: Vec<RawFile>,
        template_files: Vec<RawFile>,
    ) -> Result<Library, Vec<Diagnostic>> {
        let root = match &origin {
            Origin::Builtin => PathBuf::from("<built-in library>"),
            Origin::Dir(d) => d.clone(),
        };
        let (sections_text, sections) = read_sections(&root, &clause_files)?;
        let mut diags = Vec::new();
        let mut clauses = read_clauses(&root, &clause_files, &mut diags);
        let laws = laws::Laws::read(
            &root,
            clause_files
                .iter()
                .map(|f| (f.rel.as_str(), f.text.as_str())),
            &mut diags,
        );
        check_clauses(&root, &clauses, &sections.sections, &mut diags);
        let section_pos = |id: &str| {
            sections
                .sections
                .iter()
                .position(|s| s.id == id)
                .unwrap_or(usize::MAX)
        };
        clauses.sort_by(|a, b| {
            (section_pos(&a.meta.section), a.meta.order, &a.meta.id).cmp(&(
                section_pos(&b.meta.section),
                b.meta.order,
                &b.meta.id,
            ))
        });
        let mut templates: Vec<&RawFile> = template_files.iter().collect();
        templates.sort_by(|a, b| a.rel.cmp(&b.rel));
        let compiled = compile(&root, &templates, &clauses, &mut diags);
        let Some((tera, conditions)) = compiled.filter(|_| diags.is_empty()) else {
            return Err(diags);
        };
        let bodies: Vec<_> = clauses.iter().map(|_| std::sync::OnceLock::new()).collect();
        if matches!(origin, Origin::Dir(_)) {
            compile_bodies(&clauses, &bodies, &mut diags);
            if !diags.is_empty() {
                return Err(diags);
            }
        }
        let templates_hash = templates_hash(&templates);
        let laws_text: String = clause_files
            .iter()
            .filter(|f| f.rel.starts_with("clauses/laws/"))
            .map(|f| format!("{}\n{}\n", f.rel, f.text))
            .collect();
        let hash = library_hash(
            &format!("{sections_text}\n{laws_text}"),
            &clauses,
            &templates_hash,
        );
        Ok(Library {
            by_id: clauses
                .iter()
                .enumerate()
                .map(|(i, c)| (c.meta.id.clone(), i))
                .collect(),
            template_files: templates
                .iter()
                .map(|t| {
                    (
                        t.rel.trim_start_matches("templates/").to_owned(),
                        t.text.clone(),
                    )
                })
                .collect(),
            origin,
            laws,
            periods: sections.periods,
            terms: sections.terms,
            version: sections.version,
            sections: sections.sections,
            clauses,
            templates_hash,
            hash,
            tera,
            conditions,
            bodies,
        })
    }

    /// Clause number `index`'s body, compiled on first use.
    fn body(&self, index: usize) -> Result<(&Clause, &tera::Tera), tera::Error> {
        let (Some(c), Some(cell)) = (self.clauses.get(index), self.bodies.get(index)) else {
            return Err(tera::Error::message(format!("no clause number {index}")));
        };
        match cell.get_or_init(|| compile_body(c).map_err(|e| tera_error_text(&e))) {
            Ok(t) => Ok((c, t)),
            Err(e) => Err(tera::Error::message(e.clone())),
        }
    }

    /// Render clause number `index`'s body.
    pub fn render_body(&self, index: usize, ctx: &tera::Context) -> Result<String, tera::Error> {
        let (c, engine) = self.body(index)?;
        engine.render(&c.template_name(), ctx)
    }

    /// Compile every clause body not compiled yet, with a diagnostic for each tera cannot
    /// read (for the test suite: the built-in library compiles bodies lazily).
    pub fn compile_all_bodies(&self) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        compile_bodies(&self.clauses, &self.bodies, &mut diags);
        diags
    }

    /// Whether each clause's `when` condition holds, in library order. When the template of
    /// all conditions fails (a condition reads a value the wrong way), each condition is
    /// evaluated on its own, so that the error names its clause.
    pub fn conditions_hold(&self, ctx: &tera::Context) -> Vec<Result<bool, tera::Error>> {
        if let Ok(flags) = self.conditions.render(ALL_CONDITIONS, ctx)
            && flags.len() == self.clauses.len()
        {
            return flags.bytes().map(|b| Ok(b == b'1')).collect();
        }
        self.clauses
            .iter()
            .map(|c| {
                let mut tera = markdown_tera();
                tera.add_raw_template(&c.condition_name(), &c.condition_template())?;
                tera.render(&c.condition_name(), ctx).map(|s| s == "true")
            })
            .collect()
    }

    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.by_id.get(id).and_then(|&i| self.clauses.get(i))
    }

    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// Write the library's files into a folder, for an organisation to adapt.
    pub fn export_builtin(dest: &Path) -> std::io::Result<usize> {
        let mut files = Vec::new();
        collect_embedded(&BUILTIN_CLAUSES, "clauses", &mut files);
        collect_embedded(&BUILTIN_TEMPLATES, "templates", &mut files);
        for f in &files {
            let path = dest.join(&f.rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &f.text)?;
        }
        Ok(files.len())
    }
}

/// The message of a tera error with every cause (tera's top-level message is often vague).
pub fn tera_error_text(e: &tera::Error) -> String {
    let mut out = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        out.push_str(&format!("\n  caused by: {s}"));
        src = s.source();
    }
    out
}

/// Why a clause file could not be read, and where in it (a byte range) when known.
type ClauseError = (String, Option<std::ops::Range<usize>>);

fn parse_clause(text: &str) -> Result<(ClauseMeta, String), ClauseError> {
    let text_n = text.replace("\r\n", "\n");
    let rest = text_n.strip_prefix("+++\n").ok_or_else(|| {
        (
            "the clause file does not start with a +++ line".to_owned(),
            Some(0..0),
        )
    })?;
    let end = rest
        .find("\n+++\n")
        .or_else(|| rest.strip_suffix("\n+++").map(|r| r.len()))
        .ok_or_else(|| {
            (
                "the front matter is not closed with a +++ line".to_owned(),
                Some(0..3),
            )
        })?;
    let front = &rest[..end];
    let body = rest.get(end + 5..).unwrap_or("").trim().to_owned();
    let meta: ClauseMeta = toml::from_str(front).map_err(|e| {
        (
            e.message().to_owned(),
            e.span().map(|s| s.start + 4..s.end + 4),
        )
    })?;
    let valid_id = meta
        .id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && meta
            .id
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase());
    if !valid_id {
        return Err((
            format!(
                "clause id `{}` must be lower-case letters, digits and '-'",
                meta.id
            ),
            None,
        ));
    }
    if body.is_empty() {
        return Err((format!("clause `{}` has no body", meta.id), None));
    }
    Ok((meta, body))
}

fn collect_embedded(dir: &Dir<'_>, prefix: &str, out: &mut Vec<RawFile>) {
    for f in dir.files() {
        if let Some(text) = f.contents_utf8() {
            out.push(RawFile {
                rel: format!("{prefix}/{}", f.path().display()),
                text: text.to_owned(),
            });
        }
    }
    for d in dir.dirs() {
        collect_embedded(d, prefix, out);
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
}

fn read_tree(root: &Path, sub: &str) -> Result<Vec<RawFile>, Diagnostic> {
    let mut out = Vec::new();
    let mut stack = vec![root.join(sub)];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            Diagnostic::error("io::read", format!("cannot read {}: {e}", dir.display()))
        })?;
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let ft = e.file_type().map_err(|err| {
                Diagnostic::error("io::read", format!("cannot read {}: {err}", path.display()))
            })?;
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.starts_with('.') {
                    continue;
                }
                let text = std::fs::read_to_string(&path).map_err(|err| {
                    Diagnostic::error("io::read", format!("cannot read {}: {err}", path.display()))
                })?;
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(RawFile { rel, text });
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// `clauses/sections.toml`: its text (part of the library hash) and the sections it lists.
fn read_sections<'f>(
    root: &Path,
    clause_files: &'f [RawFile],
) -> Result<(&'f str, SectionsFile), Vec<Diagnostic>> {
    let Some(file) = clause_files
        .iter()
        .find(|f| f.rel == "clauses/sections.toml")
    else {
        return Err(vec![
            Diagnostic::error(
                "library::no-sections",
                format!("{} has no clauses/sections.toml", root.display()),
            )
            .help("list the agreement's sections in order in clauses/sections.toml"),
        ]);
    };
    let src = SourceFile::new(&root.join(&file.rel), &file.text);
    match toml::from_str(&file.text) {
        Ok(s) => Ok((&file.text, s)),
        Err(e) => Err(vec![
            Diagnostic::error("library::bad-sections", e.message().to_owned()).at(&src, e.span()),
        ]),
    }
}

/// Every clause file (`clauses/**/*.md` but READMEs), parsed; a diagnostic for each that
/// cannot be.
fn read_clauses(root: &Path, clause_files: &[RawFile], diags: &mut Vec<Diagnostic>) -> Vec<Clause> {
    let files: Vec<&RawFile> = clause_files
        .iter()
        .filter(|f| f.rel.ends_with(".md") && !f.rel.ends_with("README.md"))
        .collect();
    // Two halves side by side: reading the front matter of ~150 files is a tenth of loading a
    // library. Plain threads, not rayon's: a library is loaded under the run's library lock,
    // and a rayon worker waiting here could take up another agreement that wants that lock.
    let parse = |f: &RawFile| {
        match parse_clause(&f.text) {
        Ok((meta, body)) => Ok(Clause {
            meta,
            body,
            path: f.rel.clone(),
            hash: sha256_hex(f.text.as_bytes()),
        }),
        Err((msg, span)) => Err(Diagnostic::error("library::bad-clause", msg)
            .help("a clause file starts with +++, TOML front matter (id, version, title, section, when, sources), +++, then the Markdown body")
            .at(&SourceFile::new(&root.join(&f.rel), &f.text), span)),
    }
    };
    let (first, second) = files.split_at(files.len() / 2);
    let parsed: Vec<Result<Clause, Diagnostic>> = std::thread::scope(|scope| {
        let other = scope.spawn(|| second.iter().map(|f| parse(f)).collect::<Vec<_>>());
        let mut out: Vec<_> = first.iter().map(|f| parse(f)).collect();
        match other.join() {
            Ok(rest) => out.extend(rest),
            // A panic while parsing: parse that half here, where it is reported as usual.
            Err(_) => out.extend(second.iter().map(|f| parse(f))),
        }
        out
    });
    let mut clauses = Vec::new();
    for p in parsed {
        match p {
            Ok(c) => clauses.push(c),
            Err(d) => diags.push(d),
        }
    }
    clauses
}

/// The clauses against each other and the sections: unique ids, known sections and
/// requirements, safeguards 1–7.
fn check_clauses(
    root: &Path,
    clauses: &[Clause],
    sections: &[Section],
    diags: &mut Vec<Diagnostic>,
) {
    let section_ids: Vec<&str> = sections.iter().map(|s| s.id.as_str()).collect();
    let ids: HashSet<&str> = clauses.iter().map(|c| c.meta.id.as_str()).collect();
    let mut seen = HashSet::new();
    for c in clauses {
        let src = SourceFile::new(&root.join(&c.path), "");
        if !seen.insert(c.meta.id.as_str()) {
            diags.push(
                Diagnostic::error(
                    "library::duplicate-clause",
                    format!("two clauses have the id `{}`", c.meta.id),
                )
                .at(&src, None),
            );
        }
        if !section_ids.contains(&c.meta.section.as_str()) {
            let help = match did_you_mean(&c.meta.section, section_ids.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "sections are listed in clauses/sections.toml: {}",
                    section_ids.join(", ")
                ),
            };
            diags.push(
                Diagnostic::error(
                    "library::unknown-section",
                    format!(
                        "clause `{}` names the unknown section `{}`",
                        c.meta.id, c.meta.section
                    ),
                )
                .help(help)
                .at(&src, None),
            );
        }
        for k in &c.meta.kinds {
            if !crate::config::DocumentKind::VARIANTS
                .iter()
                .any(|v| v.as_str() == k)
            {
                let known: Vec<&str> = crate::config::DocumentKind::VARIANTS
                    .iter()
                    .map(|v| v.as_str())
                    .collect();
                diags.push(
                    Diagnostic::error(
                        "library::unknown-kind",
                        format!(
                            "clause `{}` names the unknown document kind `{k}`",
                            c.meta.id
                        ),
                    )
                    .help(format!("the kinds are: {}", known.join(", ")))
                    .at(&src, None),
                );
            }
        }
        if c.meta.safeguards.iter().any(|s| !(1..=7).contains(s)) {
            diags.push(
                Diagnostic::error(
                    "library::bad-safeguard",
                    format!("clause `{}` lists a safeguard outside 1–7", c.meta.id),
                )
                .at(&src, None),
            );
        }
    }
    for c in clauses {
        for r in c.meta.requires.iter().filter(|r| !ids.contains(r.as_str())) {
            diags.push(
                Diagnostic::error(
                    "library::unknown-requirement",
                    format!(
                        "clause `{}` requires `{r}`, which is not in the library",
                        c.meta.id
                    ),
                )
                .at(&SourceFile::new(&root.join(&c.path), ""), None),
            );
        }
    }
}

/// The name of the template of every clause condition (see [`Library`]).
const ALL_CONDITIONS: &str = "when/all";

/// One clause body, in a tera instance of its own.
fn compile_body(c: &Clause) -> Result<tera::Tera, tera::Error> {
    let mut tera = markdown_tera();
    tera.add_raw_template(&c.template_name(), &c.body)?;
    Ok(tera)
}

/// Compile every body in `bodies` not compiled yet, on two threads; a diagnostic naming the
/// clause file for each tera cannot read.
fn compile_bodies(
    clauses: &[Clause],
    bodies: &[std::sync::OnceLock<Result<tera::Tera, String>>],
    diags: &mut Vec<Diagnostic>,
) {
    // Plain threads, not rayon's (see `read_clauses`).
    let half = clauses.len() / 2;
    let run = |range: std::ops::Range<usize>| {
        for i in range {
            bodies[i].get_or_init(|| compile_body(&clauses[i]).map_err(|e| tera_error_text(&e)));
        }
    };
    std::thread::scope(|scope| {
        scope.spawn(|| run(half..clauses.len()));
        run(0..half);
    });
    for (c, cell) in clauses.iter().zip(bodies) {
        if let Some(Err(e)) = cell.get() {
            diags.push(
                Diagnostic::error(
                    "library::bad-template",
                    format!("clause `{}`: {e}", c.meta.id),
                )
                .field(c.path.clone())
                .help("fix the tera syntax in the clause body"),
            );
        }
    }
}

/// Every document template (`templates/*.tera`, named without the folder and extension)
/// compiled into one tera instance, and every clause condition into one template of another
/// ([`ALL_CONDITIONS`]), side by side. `None`, with diagnostics naming each template tera
/// cannot read, when any fails.
fn compile(
    root: &Path,
    templates: &[&RawFile],
    clauses: &[Clause],
    diags: &mut Vec<Diagnostic>,
) -> Option<(tera::Tera, tera::Tera)> {
    let named: Vec<(String, &str)> = templates
        .iter()
        .filter(|t| t.rel.ends_with(".tera"))
        .map(|t| {
            (
                t.rel
                    .trim_start_matches("templates/")
                    .trim_end_matches(".tera")
                    .to_owned(),
                t.text.as_str(),
            )
        })
        .collect();
    let conditions: Vec<String> = clauses.iter().map(Clause::condition_template).collect();
    // `{% if A %}1{% else %}0{% endif %}{% if B %}…`: one character per clause.
    let all: String = clauses
        .iter()
        .map(|c| format!("{{% if {} %}}1{{% else %}}0{{% endif %}}", c.meta.when))
        .collect();
    // Plain threads, not rayon's (see `read_clauses`): the document templates here, the
    // conditions on a thread of their own.
    let (docs, whens) = std::thread::scope(|scope| {
        let whens = scope.spawn(|| {
            let mut tera = markdown_tera();
            tera.add_raw_template(ALL_CONDITIONS, &all)
                .ok()
                .map(|_| tera)
        });
        let mut tera = markdown_tera();
        // In one call: tera re-checks every template it holds on each call.
        let docs = tera
            .add_raw_templates(named.iter().map(|(n, t)| (n.as_str(), *t)))
            .ok()
            .map(|_| tera);
        (docs, whens.join().ok().flatten())
    });
    match (docs, whens) {
        (Some(docs), Some(whens)) => Some((docs, whens)),
        _ => {
            // Only to explain the failure: one by one, naming each template tera cannot read.
            let mut tera = markdown_tera();
            let before = diags.len();
            compile_one_by_one(&mut tera, root, &named, clauses, &conditions, diags);
            if diags.len() == before {
                diags.push(
                    Diagnostic::error(
                        "library::bad-template",
                        "the library's templates could not be compiled together",
                    )
                    .field(format!("{}/templates", root.display())),
                );
            }
            None
        }
    }
}

/// sha256 over every template file's name and text, in name order.
fn templates_hash(templates: &[&RawFile]) -> String {
    let mut h = Sha256::new();
    for t in templates {
        h.update(t.rel.as_bytes());
        h.update([0]);
        h.update(t.text.as_bytes());
        h.update([0]);
    }
    hex(h.finalize())
}

/// sha256 over `sections.toml`, every clause's id and file hash, and the templates hash: the
/// one fingerprint of a library (provenance, locks, the batch manifest).
fn library_hash(sections_text: &str, clauses: &[Clause], templates_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(sections_text.as_bytes());
    for c in clauses {
        h.update(c.meta.id.as_bytes());
        h.update(c.hash.as_bytes());
    }
    h.update(templates_hash.as_bytes());
    hex(h.finalize())
}

/// The context paths a tera expression (a clause's `when`) reads, in order, each once:
/// `derived.has_x and agreement.context == 'humanitarian'` reads `derived.has_x` and
/// `agreement.context`. Keywords, string literals and filter names are skipped. The one scanner
/// of tera expressions (used by `datapact explain`).
pub fn expression_paths(expr: &str) -> Vec<&str> {
    const KEYWORDS: &[&str] = &[
        "and",
        "or",
        "not",
        "in",
        "is",
        "true",
        "false",
        "none",
        "if",
        "else",
        "for",
        "defined",
        "undefined",
        "length",
    ];
    let mut out: Vec<&str> = Vec::new();
    let mut chars = expr.char_indices().peekable();
    let mut in_string: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        if let Some(q) = in_string {
            if c == q {
                in_string = None;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            in_string = Some(c);
            continue;
        }
        if !(c.is_ascii_alphabetic() || c == '_') {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if d.is_ascii_alphanumeric() || d == '_' || d == '.' {
                end = j + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let path = expr[i..end].trim_end_matches('.');
        // A filter name follows `|`.
        let filter = expr[..i].trim_end().ends_with('|');
        if !KEYWORDS.contains(&path) && !filter && !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

/// Clause ids by section, for listings.
pub fn by_section(lib: &Library) -> BTreeMap<String, Vec<&Clause>> {
    let mut map: BTreeMap<String, Vec<&Clause>> = BTreeMap::new();
    for c in &lib.clauses {
        map.entry(c.meta.section.clone()).or_default().push(c);
    }
    map
}
/// Add the library's templates to `tera` one at a time, with a diagnostic for each that fails.
/// Slow (tera re-checks all templates on every call): used only to explain a failure.
fn compile_one_by_one(
    tera: &mut tera::Tera,
    root: &Path,
    named: &[(String, &str)],
    clauses: &[Clause],
    conditions: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    // Added together, because templates include one another.
    if let Err(e) = tera.add_raw_templates(named.iter().map(|(n, t)| (n.as_str(), *t))) {
        diags.push(
            Diagnostic::error("library::bad-template", tera_error_text(&e))
                .field(format!("{}/templates", root.display()))
                .help("fix the tera syntax in the templates"),
        );
    }
    for (c, cond) in clauses.iter().zip(conditions) {
        if let Err(e) = tera.add_raw_template(&c.template_name(), &c.body) {
            diags.push(
                Diagnostic::error(
                    "library::bad-template",
                    format!("clause `{}`: {}", c.meta.id, tera_error_text(&e)),
                )
                .field(c.path.clone())
                .help("fix the tera syntax in the clause body"),
            );
        }
        if let Err(e) = tera.add_raw_template(&c.condition_name(), cond) {
            diags.push(
                Diagnostic::error("library::bad-condition", format!("clause `{}` has a condition tera cannot read: {}", c.meta.id, tera_error_text(&e)))
                    .field(format!("{}: when", c.path))
                    .help("`when` is a tera expression, e.g. \"derived.has_controller_to_processor\" or \"agreement.context == 'humanitarian'\""),
            );
        }
    }
}

/// Periods a clause body writes itself ("within 10 days"), outside its template expressions:
/// every period in an agreement comes from one config value or one library constant
/// (`[periods]` in `sections.toml`), so that one obligation never carries two periods.
pub fn literal_periods(body: &str) -> Vec<String> {
    // The text a reader sees, with every `{{ … }}`, `{% … %}` and `{# … #}` made a gap.
    let mut text = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find('{') {
        text.push_str(&rest[..i]);
        let close = match rest[i..].chars().nth(1) {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => "#}",
            _ => {
                text.push('{');
                rest = &rest[i + 1..];
                continue;
            }
        };
        text.push_str(" \u{1} ");
        rest = rest[i + 2..]
            .find(close)
            .map_or("", |j| &rest[i + 2 + j + 2..]);
    }
    text.push_str(rest);
    // Defined-term markup: `5 <Working Day>s` is "5 Working Days".
    let text = text.replace(['<', '>'], "");
    const NUMBERS: &[&str] = &[
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve", "fifteen", "twenty", "thirty", "sixty", "ninety",
    ];
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    let mut found = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let number =
            !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) || NUMBERS.contains(&w.as_str());
        if !number {
            continue;
        }
        let mut j = i + 1;
        if words
            .get(j)
            .is_some_and(|x| matches!(x.as_str(), "working" | "calendar" | "business"))
        {
            j += 1;
        }
        if words.get(j).is_some_and(|u| crate::review::is_time_unit(u)) {
            found.push(words[i..=j].join(" "));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No built-in clause writes a period of its own: each comes from the config or from
    /// `[periods]` in `sections.toml`.
    #[test]
    fn clause_text_states_no_period_of_its_own() {
        let lib = Library::builtin().unwrap();
        let found: Vec<String> = lib
            .clauses
            .iter()
            .flat_map(|c| {
                literal_periods(&c.body)
                    .into_iter()
                    .map(move |p| format!("{}: {p}", c.meta.id))
            })
            .collect();
        assert!(found.is_empty(), "{found:#?}");
        assert!(lib.periods.len() >= 20);
    }

    #[test]
    fn a_period_written_into_a_clause_is_found() {
        assert_eq!(
            literal_periods("tell it within 10 days and meet within five working days."),
            ["10 days", "five working days"]
        );
        // Periods from the config or the library are not.
        assert!(
            literal_periods("within {{ periods.remedy_days | units }} or {{ audit.notice_days }} days' notice; once {% if x == 1 %}a{% endif %} year")
                .is_empty()
        );
    }

    /// The built-in library compiles clause bodies on first use; every one must compile.
    #[test]
    fn builtin_bodies_all_compile() {
        let lib = Library::builtin().unwrap();
        let diags = lib.compile_all_bodies();
        assert!(diags.is_empty(), "{diags:#?}");
    }

    /// The built-in library exported to a folder, with one clause file edited.
    fn edited_library(id: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        Library::export_builtin(dir.path()).unwrap();
        let lib = Library::builtin().unwrap();
        let path = dir.path().join(&lib.clause(id).unwrap().path);
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = edit(&text);
        assert_ne!(edited, text, "the edit changed nothing");
        std::fs::write(&path, edited).unwrap();
        dir
    }

    #[test]
    fn a_library_folder_with_a_bad_body_is_refused_naming_the_clause() {
        let dir = edited_library("purpose-necessity", |t| format!("{t}\n{{% if %}}\n"));
        let diags = Library::from_dir(dir.path()).unwrap_err();
        assert!(
            diags
                .iter()
                .any(|d| d.code == "library::bad-template"
                    && d.message.contains("purpose-necessity")),
            "{diags:#?}"
        );
    }

    #[test]
    fn a_condition_that_fails_names_its_clause_and_only_it() {
        let dir = edited_library("purpose-necessity", |t| {
            t.replacen("when = \"", "when = \"agreement.title | round > 0 and ", 1)
        });
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ngo-survey.toml");
        let diags = crate::build::build_file(&example, Some(dir.path()))
            .err()
            .expect("the build should fail");
        let failed: Vec<_> = diags
            .iter()
            .filter(|d| d.code == "library::condition-failed")
            .collect();
        assert_eq!(failed.len(), 1, "{diags:#?}");
        assert!(
            failed[0].message.contains("`purpose-necessity`"),
            "{diags:#?}"
        );
    }
}
