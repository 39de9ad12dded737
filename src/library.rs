//! The clause library: clause files and templates, loaded once, then selected per agreement.
//!
//! In: a folder holding `clauses/` (one Markdown file per clause with TOML front matter, plus
//! `sections.toml`) and `templates/` — or the copy built into the binary. Out: a [`Library`]
//! with every clause body and condition compiled into one tera instance, and, per agreement, a
//! [`Selection`] saying which clauses apply and why.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::render_cache::{Cache, DepIndex, Memo};
use include_dir::{Dir, include_dir};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, SourceFile, did_you_mean};
use crate::render::markdown_tera;

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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionsFile {
    version: String,
    sections: Vec<Section>,
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
    /// Other clause ids this clause depends on (e.g. for the terms it uses).
    #[serde(default)]
    pub requires: Vec<String>,
    /// The articles and guidance this clause implements.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Which of the seven safeguards (1–7) it serves.
    #[serde(default)]
    pub safeguards: Vec<u8>,
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
    pub tera: tera::Tera,
    /// Whether the document templates can be assembled by splicing (see [`crate::splice`]),
    /// or why not.
    pub splice_check: Result<(), String>,
    /// Rendered clause bodies and conditions, reused across the agreements of a run.
    pub(crate) cache: LibraryCache,
}

/// See [`crate::render_cache`].
pub(crate) struct LibraryCache {
    /// Position of each clause in `clauses`, by id.
    pub(crate) by_id: std::collections::HashMap<String, usize>,
    pub(crate) index: DepIndex,
    pub(crate) bodies: Cache<std::sync::Arc<RenderedBody>>,
    pub(crate) conditions: Cache<bool>,
    /// The sections with sentinels for bodies that document templates are rendered with (see
    /// [`crate::splice`]), as tera values (`sections`, `body_sections`, `annex_sections`), by
    /// the agreement's list of sections and clauses, which is all they depend on.
    pub(crate) skeletons:
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<[tera::Value; 3]>>>,
}

/// Section skeletons kept per library.
const MAX_SKELETONS: usize = 64;

impl LibraryCache {
    /// The skeleton values for the section and clause list `key`, made by `make` when new.
    pub(crate) fn skeleton(
        &self,
        key: String,
        make: impl FnOnce() -> [tera::Value; 3],
    ) -> std::sync::Arc<[tera::Value; 3]> {
        let found = {
            let map = self.skeletons.lock().unwrap_or_else(|e| e.into_inner());
            map.get(&key).cloned()
        };
        if let Some(v) = found {
            return v;
        }
        let v = std::sync::Arc::new(make());
        let mut map = self.skeletons.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() < MAX_SKELETONS {
            map.insert(key, v.clone());
        }
        v
    }
}

/// A clause body after rendering: its Markdown, and the defined terms it defines and uses.
#[derive(Debug, PartialEq)]
pub(crate) struct RenderedBody {
    pub(crate) markdown: String,
    pub(crate) defined: Vec<String>,
    pub(crate) used: Vec<String>,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("origin", &self.origin)
            .field("clauses", &self.clauses.len())
            .finish()
    }
}

impl Library {
    /// Whether the document templates are assembled by splicing (see [`crate::splice`]).
    pub fn splices(&self) -> bool {
        self.splice_check.is_ok()
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

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
        let mut diags = Vec::new();

        let Some(sections_file) = clause_files
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
        let sections_src = SourceFile::new(&root.join(&sections_file.rel), &sections_file.text);
        let sections: SectionsFile = match toml::from_str(&sections_file.text) {
            Ok(s) => s,
            Err(e) => {
                return Err(vec![
                    Diagnostic::error("library::bad-sections", e.message().to_owned())
                        .at(&sections_src, e.span()),
                ]);
            }
        };

        let mut clauses = Vec::new();
        for f in clause_files
            .iter()
            .filter(|f| f.rel.ends_with(".md") && !f.rel.ends_with("README.md"))
        {
            let src = SourceFile::new(&root.join(&f.rel), &f.text);
            match parse_clause(&f.text) {
                Ok((meta, body)) => clauses.push(Clause {
                    meta,
                    body,
                    path: f.rel.clone(),
                    hash: sha256_hex(f.text.as_bytes()),
                }),
                Err((msg, span)) => diags.push(
                    Diagnostic::error("library::bad-clause", msg)
                        .help("a clause file starts with +++, TOML front matter (id, version, title, section, when, sources), +++, then the Markdown body")
                        .at(&src, span),
                ),
            }
        }

        // Check the clauses against each other and the sections.
        let section_ids: Vec<&str> = sections.sections.iter().map(|s| s.id.as_str()).collect();
        let mut seen = HashSet::new();
        for c in &clauses {
            let src = SourceFile::new(&root.join(&c.path), "");
            if !seen.insert(c.meta.id.clone()) {
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
        let ids: HashSet<&str> = clauses.iter().map(|c| c.meta.id.as_str()).collect();
        for c in &clauses {
            for r in &c.meta.requires {
                if !ids.contains(r.as_str()) {
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

        let section_pos = |id: &str| {
            section_ids
                .iter()
                .position(|s| *s == id)
                .unwrap_or(usize::MAX)
        };
        clauses.sort_by(|a, b| {
            (section_pos(&a.meta.section), a.meta.order, &a.meta.id).cmp(&(
                section_pos(&b.meta.section),
                b.meta.order,
                &b.meta.id,
            ))
        });

        // Compile every template, clause body and condition into one tera instance.
        let mut tera = markdown_tera();
        let mut template_hasher = Sha256::new();
        let mut sorted_templates: Vec<&RawFile> = template_files.iter().collect();
        sorted_templates.sort_by(|a, b| a.rel.cmp(&b.rel));
        for t in &sorted_templates {
            template_hasher.update(t.rel.as_bytes());
            template_hasher.update([0]);
            template_hasher.update(t.text.as_bytes());
            template_hasher.update([0]);
        }
        let templates_hash: String = template_hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let named: Vec<(String, &str)> = sorted_templates
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
        // Library text reaches the document templates' output (titles, ids), where a sentinel
        // written in it could be taken for one of datapact's.
        let splice_check = crate::splice::check_library_text(
            clause_files
                .iter()
                .chain(&template_files)
                .map(|f| (f.rel.as_str(), f.text.as_str())),
        )
        .and_then(|()| crate::splice::check_templates(&named));
        let conditions: Vec<String> = clauses
            .iter()
            .map(|c| {
                format!(
                    "{{% if {} %}}true{{% else %}}false{{% endif %}}",
                    c.meta.when
                )
            })
            .collect();
        // Everything is added in one call: tera re-checks every template it holds on each
        // call, so adding the ~300 clause bodies and conditions one by one costs quadratic time
        // (it was over half of a one-agreement run). Only when that fails are they added one
        // by one, to name each template that tera cannot read.
        let all = named
            .iter()
            .map(|(n, t)| (n.clone(), *t))
            .chain(clauses.iter().zip(&conditions).flat_map(|(c, cond)| {
                [
                    (c.template_name(), c.body.as_str()),
                    (c.condition_name(), cond.as_str()),
                ]
            }))
            .collect::<Vec<_>>();
        if tera
            .add_raw_templates(all.iter().map(|(n, t)| (n.as_str(), *t)))
            .is_err()
        {
            tera = markdown_tera();
            compile_one_by_one(&mut tera, &root, &named, &clauses, &conditions, &mut diags);
        }
        if !diags.is_empty() {
            return Err(diags);
        }

        let mut hasher = Sha256::new();
        hasher.update(sections_file.text.as_bytes());
        for c in &clauses {
            hasher.update(c.meta.id.as_bytes());
            hasher.update(c.hash.as_bytes());
        }
        hasher.update(templates_hash.as_bytes());
        let hash = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();

        let template_files = template_files
            .iter()
            .map(|t| {
                (
                    t.rel.trim_start_matches("templates/").to_owned(),
                    t.text.clone(),
                )
            })
            .collect();
        let mut index = DepIndex::default();
        let bodies = Cache::new(&mut index, clauses.iter().map(|c| c.body.as_str()));
        let conditions = Cache::new(&mut index, conditions.iter().map(String::as_str));
        Ok(Library {
            splice_check,
            cache: LibraryCache {
                by_id: clauses
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.meta.id.clone(), i))
                    .collect(),
                index,
                bodies,
                conditions,
                skeletons: Default::default(),
            },
            template_files,
            origin,
            version: sections.version,
            sections: sections.sections,
            clauses,
            templates_hash,
            hash,
            tera,
        })
    }

    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.cache.by_id.get(id).and_then(|&i| self.clauses.get(i))
    }

    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// Decide which clauses apply to an agreement.
    pub fn select(
        &self,
        ctx: &tera::Context,
        json: &serde_json::Value,
        memo: &mut Memo,
        include: &[String],
        exclude: &[String],
    ) -> Result<Selection, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let ids: Vec<&str> = self.clauses.iter().map(|c| c.meta.id.as_str()).collect();
        for (field, list) in [("include", include), ("exclude", exclude)] {
            for id in list {
                if !ids.contains(&id.as_str()) {
                    let help = match did_you_mean(id, ids.iter().copied()) {
                        Some(s) => {
                            format!("did you mean `{s}`? `datapact clauses` lists every clause id")
                        }
                        None => "`datapact clauses` lists every clause id".to_owned(),
                    };
                    diags.push(
                        Diagnostic::error(
                            "config::unknown-clause",
                            format!("no clause has the id `{id}`"),
                        )
                        .field(format!("clauses.{field}"))
                        .help(help),
                    );
                }
            }
        }
        let mut entries = Vec::new();
        for (i, c) in self.clauses.iter().enumerate() {
            let name = c.condition_name();
            let rendered = self.cache.conditions.get_or_render(
                i,
                &self.cache.index,
                memo,
                json,
                &name,
                || self.tera.render(&name, ctx).map(|s| s == "true"),
            );
            let cond = match rendered {
                Ok(b) => b,
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            "library::condition-failed",
                            format!(
                                "the condition of clause `{}` failed: {}",
                                c.meta.id,
                                tera_error_text(&e)
                            ),
                        )
                        .field(format!("{}: when = \"{}\"", c.path, c.meta.when)),
                    );
                    false
                }
            };
            let id = &c.meta.id;
            let (included, reason) = if exclude.contains(id) {
                if c.meta.required && cond {
                    diags.push(
                        Diagnostic::error(
                            "config::required-clause",
                            format!("clause `{id}` is required and cannot be excluded"),
                        )
                        .field("clauses.exclude")
                        .help(format!("remove \"{id}\" from [clauses] exclude")),
                    );
                }
                (false, Reason::Excluded)
            } else if include.contains(id) && !cond {
                (true, Reason::Included)
            } else if cond {
                (true, Reason::Condition(c.meta.when.clone()))
            } else {
                (false, Reason::Condition(c.meta.when.clone()))
            };
            entries.push(SelectionEntry {
                clause: id.clone(),
                included,
                reason,
            });
        }
        let included: HashSet<&str> = entries
            .iter()
            .filter(|e| e.included)
            .map(|e| e.clause.as_str())
            .collect();
        for e in entries.iter().filter(|e| e.included) {
            if let Some(c) = self.clause(&e.clause) {
                for r in &c.meta.requires {
                    if !included.contains(r.as_str()) {
                        diags.push(
                            Diagnostic::error("config::missing-dependency", format!("clause `{}` needs clause `{r}`, which is not in this agreement", e.clause))
                                .field("clauses")
                                .help(format!("include \"{r}\" under [clauses] include, or exclude \"{}\"", e.clause)),
                        );
                    }
                }
            }
        }
        if diags.is_empty() {
            Ok(Selection { entries })
        } else {
            Err(diags)
        }
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

/// Why a clause is or is not in an agreement.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Reason {
    /// Its `when` condition (the expression given) decided.
    Condition(String),
    /// Added by `[clauses] include`.
    Included,
    /// Left out by `[clauses] exclude`.
    Excluded,
}

#[derive(Debug, Clone, Serialize)]
pub struct SelectionEntry {
    pub clause: String,
    pub included: bool,
    pub reason: Reason,
}

/// The outcome of clause selection for one agreement, in document order.
#[derive(Debug, Clone)]
pub struct Selection {
    pub entries: Vec<SelectionEntry>,
}

impl Selection {
    pub fn included(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|e| e.included)
            .map(|e| e.clause.as_str())
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
