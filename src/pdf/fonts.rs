//! The font set given to typst, and glyph-coverage checks against it.
//!
//! typst draws an empty box (no warning, exit status 0) for a character
//! that no font covers, so datapact checks every character *before*
//! compiling.
//!
//! # Which fonts, and why the embedded ones stay
//!
//! The text font is Libertinus Serif, which typst 0.15 embeds in its binary
//! (with New Computer Modern, New Computer Modern Math and DejaVu Sans
//! Mono). Libertinus is **not packaged in Debian 12** (`apt-cache search
//! libertinus` finds nothing; `fonts-linuxlibertine` is its older,
//! differently named ancestor), so `--ignore-embedded-fonts` plus on-disk
//! fonts would force either a different text font or vendoring font files
//! into the repository. Instead datapact keeps typst's embedded fonts and
//! checks against:
//!
//! * a vendored copy of the embedded fonts' character maps
//!   ([`super::embedded_cmap`], generated with `ttf-parser` from the exact
//!   files of `typst-assets` 0.15.1; the runner only accepts typst 0.15.x,
//!   whose embedded fonts these are; a test regenerates and compares it
//!   whenever the `typst-assets` sources are in the local cargo registry),
//!   plus
//! * the cmaps of the on-disk files listed in [`FONT_FILES`], read from the
//!   very files handed to typst.
//!
//! So the set checked is exactly the set typst can use: `--ignore-system-
//! fonts` is always passed, and typst's font fallback may pick any font of
//! this set, which is why coverage is the union of all of them.
//!
//! The on-disk fonts are Noto families chosen per script (serif designs, to
//! sit next to Libertinus Serif): Noto Naskh Arabic (Arabic, Persian,
//! Pashto, Urdu; right-to-left), Noto Serif Ethiopic (Amharic, Tigrinya),
//! Noto Serif Devanagari (Hindi, Marathi, Nepali) and Noto Serif CJK
//! (Chinese, Japanese, Korean; the SC face is preferred). They come from the
//! Debian packages `fonts-noto-core` and `fonts-noto-cjk`. Only these files
//! are hard-linked (or copied) into a private directory passed as
//! `--font-path`, so typst's font scan reads 8 files instead of the ~270 of
//! the Noto directories.
//!
//! `ttf-parser` is used rather than `fontdb`: datapact needs the cmap of a
//! handful of known files, not a font database or fontconfig matching, and
//! ttf-parser (which fontdb itself builds on) has no dependencies.

use std::collections::HashSet;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::embedded_cmap::EMBEDDED_RANGES;

/// Environment variable with colon-separated font directories.
pub const FONT_PATH_ENV: &str = "DATAPACT_FONT_PATH";

/// Where Debian installs the fonts when `DATAPACT_FONT_PATH` is not set.
pub const DEFAULT_FONT_DIRS: &[&str] = &[
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts",
    "/usr/local/share/fonts",
];

/// A font file datapact hands to typst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FontFile {
    /// File name, searched for (recursively) in the font directories.
    pub file: &'static str,
    /// Family name used in the template's font list.
    pub family: &'static str,
    /// Debian package that installs it.
    pub package: &'static str,
}

/// The on-disk fonts datapact uses (in the template's fallback order).
pub const FONT_FILES: &[FontFile] = &[
    FontFile {
        file: "NotoNaskhArabic-Regular.ttf",
        family: "Noto Naskh Arabic",
        package: "fonts-noto-core",
    },
    FontFile {
        file: "NotoNaskhArabic-Bold.ttf",
        family: "Noto Naskh Arabic",
        package: "fonts-noto-core",
    },
    FontFile {
        file: "NotoSerifEthiopic-Regular.ttf",
        family: "Noto Serif Ethiopic",
        package: "fonts-noto-core",
    },
    FontFile {
        file: "NotoSerifEthiopic-Bold.ttf",
        family: "Noto Serif Ethiopic",
        package: "fonts-noto-core",
    },
    FontFile {
        file: "NotoSerifDevanagari-Regular.ttf",
        family: "Noto Serif Devanagari",
        package: "fonts-noto-core",
    },
    FontFile {
        file: "NotoSerifDevanagari-Bold.ttf",
        family: "Noto Serif Devanagari",
        package: "fonts-noto-core",
    },
    FontFile {
        file: "NotoSerifCJK-Regular.ttc",
        family: "Noto Serif CJK SC",
        package: "fonts-noto-cjk",
    },
    FontFile {
        file: "NotoSerifCJK-Bold.ttc",
        family: "Noto Serif CJK SC",
        package: "fonts-noto-cjk",
    },
];

/// Errors while finding or reading fonts.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error(
        "missing font files {files} (searched {dirs}; install the Debian packages {packages} or set {FONT_PATH_ENV})"
    )]
    Missing {
        files: String,
        dirs: String,
        packages: String,
    },
    #[error("cannot read font file {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path} is not a usable font file")]
    Parse { path: PathBuf },
}

/// A character no font of the set covers, found in a JSON string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyph {
    /// Path of the string in the JSON value, e.g. `parties[1].legal_name`.
    pub path: String,
    pub ch: char,
    /// Index of the first occurrence, in characters.
    pub position: usize,
}

impl fmt::Display for MissingGlyph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: no font covers {:?} (U+{:04X}) at character {}",
            self.path, self.ch, self.ch as u32, self.position
        )
    }
}

/// A character no font covers, found in text, with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyphAt {
    pub line: usize,
    pub column: usize,
    pub ch: char,
}

/// Sorted, non-overlapping inclusive code point ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    ranges: Vec<(u32, u32)>,
}

impl Coverage {
    /// Builds a coverage from unsorted code points.
    pub fn from_codepoints(mut cps: Vec<u32>) -> Self {
        cps.sort_unstable();
        cps.dedup();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for cp in cps {
            match ranges.last_mut() {
                Some((_, hi)) if *hi + 1 == cp => *hi = cp,
                _ => ranges.push((cp, cp)),
            }
        }
        Coverage { ranges }
    }

    /// Builds a coverage from ranges (any order, may overlap).
    pub fn from_ranges(ranges: &[(u32, u32)]) -> Self {
        let mut c = Coverage::default();
        c.extend(ranges);
        c
    }

    fn extend(&mut self, more: &[(u32, u32)]) {
        let mut all: Vec<(u32, u32)> = self.ranges.iter().chain(more).copied().collect();
        all.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(all.len());
        for (lo, hi) in all {
            match merged.last_mut() {
                Some((_, mhi)) if lo <= mhi.saturating_add(1) => *mhi = (*mhi).max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        self.ranges = merged;
    }

    pub fn contains(&self, c: char) -> bool {
        let cp = c as u32;
        let i = self.ranges.partition_point(|&(_, hi)| hi < cp);
        self.ranges.get(i).is_some_and(|&(lo, _)| lo <= cp)
    }

    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    /// Coverage of every face in a font file (TTF/OTF or collection).
    pub fn of_font_data(data: &[u8]) -> Option<Self> {
        let faces = ttf_parser::fonts_in_collection(data).unwrap_or(1);
        let mut total = Coverage::default();
        let mut parsed = 0;
        // Faces of a collection may share one cmap table: read it once.
        let mut seen_cmaps: Vec<*const u8> = Vec::new();
        for index in 0..faces {
            let Ok(face) = ttf_parser::Face::parse(data, index) else {
                continue;
            };
            parsed += 1;
            let Some(raw) = face.raw_face().table(ttf_parser::Tag::from_bytes(b"cmap")) else {
                continue;
            };
            if seen_cmaps.contains(&raw.as_ptr()) {
                continue;
            }
            seen_cmaps.push(raw.as_ptr());
            if let Some(cmap) = face.tables().cmap {
                total.extend(Coverage::of_cmap(&cmap).ranges());
            }
        }
        (parsed > 0).then_some(total)
    }

    /// Coverage of a font file, reading only its table directories and
    /// `cmap` tables (a CJK collection is ~25 MB; its cmaps ~1 MB).
    pub fn of_font_file(path: &Path) -> io::Result<Option<Self>> {
        let cmaps = read_cmap_tables(path)?;
        if cmaps.is_empty() {
            return Ok(None);
        }
        let mut total = Coverage::default();
        for bytes in &cmaps {
            if let Some(cmap) = ttf_parser::cmap::Table::parse(bytes) {
                total.extend(Coverage::of_cmap(&cmap).ranges());
            }
        }
        Ok(Some(total))
    }

    fn of_cmap(cmap: &ttf_parser::cmap::Table<'_>) -> Self {
        use ttf_parser::cmap::Format;
        // One Unicode subtable is enough: the full-repertoire format 12 if
        // there is one (format 4 is then its BMP subset), else any other
        // Unicode mapping (format 14 holds variation sequences, not
        // characters).
        let unicode = || cmap.subtables.into_iter().filter(|s| s.is_unicode());
        let best = unicode()
            .find(|s| matches!(s.format, Format::SegmentedCoverage(_)))
            .or_else(|| {
                unicode().find(|s| !matches!(s.format, Format::UnicodeVariationSequences(_)))
            });
        let Some(sub) = best else {
            return Coverage::default();
        };
        let mut cps = Vec::new();
        if let Format::SegmentedCoverage(_) = sub.format {
            // Every code point of a format-12 group maps to a glyph.
            sub.codepoints(|cp| cps.push(cp));
        } else {
            // Format 4 and others may map to glyph 0 (e.g. U+FFFF).
            sub.codepoints(|cp| {
                if sub.glyph_index(cp).is_some_and(|g| g.0 != 0) {
                    cps.push(cp);
                }
            });
        }
        Coverage::from_codepoints(cps)
    }
}

/// Reads the distinct `cmap` tables of every face of an sfnt file or
/// collection, without reading the rest of the file.
fn read_cmap_tables(path: &Path) -> io::Result<Vec<Vec<u8>>> {
    use std::io::{Read, Seek, SeekFrom};
    const MAX_FACES: u32 = 256;
    const MAX_TABLES: u16 = 1024;
    const MAX_CMAP: u32 = 16 << 20;
    let mut f = std::fs::File::open(path)?;
    let mut read_at = |offset: u64, len: usize| -> io::Result<Vec<u8>> {
        let mut buf = vec![0; len];
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(&mut buf)?;
        Ok(buf)
    };
    let be32 = |b: &[u8], at: usize| u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let head = read_at(0, 12)?;
    let face_offsets: Vec<u32> = if &head[..4] == b"ttcf" {
        let n = be32(&head, 8);
        if n == 0 || n > MAX_FACES {
            return Ok(Vec::new());
        }
        let offs = read_at(12, 4 * n as usize)?;
        (0..n as usize).map(|i| be32(&offs, 4 * i)).collect()
    } else {
        vec![0]
    };
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for face in face_offsets {
        let header = read_at(u64::from(face), 12)?;
        let num_tables = u16::from_be_bytes([header[4], header[5]]);
        if num_tables > MAX_TABLES {
            continue;
        }
        let records = read_at(u64::from(face) + 12, 16 * usize::from(num_tables))?;
        for rec in records.chunks_exact(16) {
            if &rec[..4] != b"cmap" {
                continue;
            }
            let (offset, len) = (be32(rec, 8), be32(rec, 12));
            if len <= MAX_CMAP && !seen.contains(&offset) {
                seen.push(offset);
                out.push(read_at(u64::from(offset), len as usize)?);
            }
        }
    }
    Ok(out)
}

/// The fonts handed to typst and their combined coverage (including
/// typst's embedded fonts).
#[derive(Debug, Clone)]
pub struct FontSet {
    files: Vec<PathBuf>,
    coverage: Coverage,
}

impl FontSet {
    /// Finds [`FONT_FILES`] in `$DATAPACT_FONT_PATH` (colon-separated
    /// directories) if set, else in [`DEFAULT_FONT_DIRS`].
    pub fn discover() -> Result<Self, FontError> {
        Self::from_dirs(&font_dirs_from_env())
    }

    /// Finds [`FONT_FILES`] in `dirs` (searched recursively, in order).
    pub fn from_dirs(dirs: &[PathBuf]) -> Result<Self, FontError> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for font in FONT_FILES {
            match dirs.iter().find_map(|d| find_file(d, font.file, 4)) {
                Some(path) => found.push(path),
                None => missing.push(font),
            }
        }
        if !missing.is_empty() {
            let mut packages: Vec<&str> = missing.iter().map(|f| f.package).collect();
            packages.dedup();
            return Err(FontError::Missing {
                files: missing
                    .iter()
                    .map(|f| f.file)
                    .collect::<Vec<_>>()
                    .join(", "),
                dirs: dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(":"),
                packages: packages.join(" "),
            });
        }
        Self::from_files(found)
    }

    /// Uses exactly these font files (plus typst's embedded fonts).
    pub fn from_files(files: Vec<PathBuf>) -> Result<Self, FontError> {
        let mut coverage = Coverage::from_ranges(EMBEDDED_RANGES);
        for path in &files {
            let cov = Coverage::of_font_file(path)
                .map_err(|source| FontError::Read {
                    path: path.clone(),
                    source,
                })?
                .ok_or_else(|| FontError::Parse { path: path.clone() })?;
            coverage.extend(cov.ranges());
        }
        Ok(FontSet { files, coverage })
    }

    /// Only typst's embedded fonts (Latin, Greek, Cyrillic, Hebrew, …).
    pub fn embedded_only() -> Self {
        FontSet {
            files: Vec::new(),
            coverage: Coverage::from_ranges(EMBEDDED_RANGES),
        }
    }

    /// The on-disk font files of the set.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Whether some font of the set has a glyph for `c`, or typst does not
    /// need one.
    pub fn covers(&self, c: char) -> bool {
        needs_no_glyph(c) || self.coverage.contains(c)
    }

    /// Distinct characters of `text` that no font covers, in order of first
    /// appearance.
    pub fn missing_glyphs(&self, text: &str) -> Vec<char> {
        let mut seen = HashSet::new();
        text.chars()
            .filter(|&c| !self.covers(c) && seen.insert(c))
            .collect()
    }

    /// Like [`FontSet::missing_glyphs`], with the 1-based line/column of the
    /// first occurrence of each character (for Markdown diagnostics).
    pub fn missing_glyphs_at(&self, text: &str) -> Vec<MissingGlyphAt> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (n, line) in text.split('\n').enumerate() {
            for (col, c) in line.chars().enumerate() {
                if !self.covers(c) && seen.insert(c) {
                    out.push(MissingGlyphAt {
                        line: n + 1,
                        column: col + 1,
                        ch: c,
                    });
                }
            }
        }
        out
    }

    /// Walks every string in `value` (object keys are not rendered and are
    /// skipped) and reports, per string, the first occurrence of each
    /// uncovered character.
    pub fn check_json_strings(&self, value: &Value) -> Vec<MissingGlyph> {
        let mut out = Vec::new();
        self.walk(value, &mut String::new(), &mut out);
        out
    }

    fn walk(&self, value: &Value, path: &mut String, out: &mut Vec<MissingGlyph>) {
        match value {
            Value::String(s) => {
                let mut seen = HashSet::new();
                for (position, ch) in s.chars().enumerate() {
                    if !self.covers(ch) && seen.insert(ch) {
                        out.push(MissingGlyph {
                            path: path.clone(),
                            ch,
                            position,
                        });
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    self.walk(item, path, out);
                    path.truncate(len);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let len = path.len();
                    push_key(path, key);
                    self.walk(item, path, out);
                    path.truncate(len);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Hard-links (or, across file systems, copies) the font files into a
    /// fresh private directory to pass as typst's only `--font-path`.
    /// Never symlinks. The directory is removed when the value is dropped.
    pub fn stage(&self) -> io::Result<StagedFonts> {
        let dir = tempfile::Builder::new()
            .prefix("datapact-fonts-")
            .tempdir()?;
        let mut names = HashSet::new();
        for (i, src) in self.files.iter().enumerate() {
            let name = src
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Keep distinct names even if two directories hold the same file name.
            let name = if names.insert(name.clone()) {
                name
            } else {
                format!("{i}-{name}")
            };
            let dst = dir.path().join(&name);
            if std::fs::hard_link(src, &dst).is_err() {
                std::fs::copy(src, &dst)?;
            }
        }
        Ok(StagedFonts { dir })
    }
}

/// A private directory holding hard links/copies of a [`FontSet`]'s files.
#[derive(Debug)]
pub struct StagedFonts {
    dir: tempfile::TempDir,
}

impl StagedFonts {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&Value::String(key.to_owned()).to_string());
        path.push(']');
    }
}

/// Directories from `$DATAPACT_FONT_PATH`, else [`DEFAULT_FONT_DIRS`].
pub fn font_dirs_from_env() -> Vec<PathBuf> {
    match std::env::var_os(FONT_PATH_ENV) {
        Some(v) if !v.is_empty() => std::env::split_paths(&v)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        _ => DEFAULT_FONT_DIRS.iter().map(PathBuf::from).collect(),
    }
}

/// Breadth-first search for a file name below `dir`, at most `depth` levels.
fn find_file(dir: &Path, name: &str, depth: usize) -> Option<PathBuf> {
    let mut level = vec![dir.to_path_buf()];
    for _ in 0..=depth {
        let mut next = Vec::new();
        for d in &level {
            let candidate = d.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
            let Ok(entries) = std::fs::read_dir(d) else {
                continue;
            };
            let mut subdirs: Vec<PathBuf> = entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect();
            subdirs.sort();
            next.extend(subdirs);
        }
        level = next;
    }
    None
}

/// Characters typst does not draw a glyph for: whitespace and the Unicode
/// default-ignorable code points (joiners, bidi controls, variation
/// selectors, soft hyphen, …), and control characters, which the converter
/// drops.
pub fn needs_no_glyph(c: char) -> bool {
    if c.is_whitespace() || c.is_control() {
        return true;
    }
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The local cargo registry copy of typst-assets 0.15.1, if present.
    fn typst_assets_fonts() -> Option<PathBuf> {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
        let src = home.join("registry/src");
        std::fs::read_dir(src).ok()?.flatten().find_map(|e| {
            let p = e.path().join("typst-assets-0.15.1/files/fonts");
            p.is_dir().then_some(p)
        })
    }

    fn embedded_coverage_from(dir: &Path) -> Coverage {
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "otf" || x == "ttf"))
            .collect();
        names.sort();
        let mut c = Coverage::default();
        for p in names {
            let data = std::fs::read(&p).unwrap();
            c.extend(Coverage::of_font_data(&data).unwrap().ranges());
        }
        c
    }

    /// `cargo test -- --ignored regenerate_embedded_cmap` rewrites
    /// `embedded_cmap.rs` from the typst-assets sources.
    #[test]
    #[ignore]
    fn regenerate_embedded_cmap() {
        let dir = typst_assets_fonts().expect("typst-assets-0.15.1 not in the cargo registry");
        let c = embedded_coverage_from(&dir);
        let mut s = String::from(
            "//! Generated by `cargo test -- --ignored regenerate_embedded_cmap` from the\n\
             //! fonts of typst-assets 0.15.1 (the fonts embedded in typst 0.15): the union\n\
             //! of their Unicode cmaps as inclusive ranges. Do not edit.\n\n\
             #[rustfmt::skip]\n\
             pub const EMBEDDED_RANGES: &[(u32, u32)] = &[\n",
        );
        for chunk in c.ranges().chunks(6) {
            s.push_str("   ");
            for (lo, hi) in chunk {
                s.push_str(&format!(" (0x{lo:04X}, 0x{hi:04X}),"));
            }
            s.push('\n');
        }
        s.push_str("];\n");
        // Next to this file, wherever the module tree lives.
        let here = Path::new(file!()).parent().unwrap_or(Path::new("src"));
        let out = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(here)
            .join("embedded_cmap.rs");
        std::fs::write(out, s).unwrap();
    }

    #[test]
    fn vendored_cmap_matches_typst_assets() {
        let Some(dir) = typst_assets_fonts() else {
            note!("note: typst-assets 0.15.1 sources not found; vendored cmap not re-checked");
            return;
        };
        assert_eq!(
            embedded_coverage_from(&dir),
            Coverage::from_ranges(EMBEDDED_RANGES)
        );
    }

    #[test]
    fn coverage_ranges() {
        let c = Coverage::from_codepoints(vec![5, 3, 4, 10, 12, 11]);
        assert_eq!(c.ranges(), &[(3, 5), (10, 12)]);
        assert!(
            c.contains('\u{4}')
                && c.contains('\u{a}')
                && !c.contains('\u{6}')
                && !c.contains('\u{d}')
        );
        let c = Coverage::from_ranges(&[(10, 20), (1, 2), (15, 30), (3, 3)]);
        assert_eq!(c.ranges(), &[(1, 3), (10, 30)]);
    }

    #[test]
    fn embedded_fonts_cover_latin_greek_cyrillic() {
        let set = FontSet::embedded_only();
        assert_eq!(
            set.missing_glyphs("Société Générale, Ελλάδα, Україна — «Ïñ» “q” € § ¶ ‰"),
            Vec::<char>::new()
        );
        // DejaVu Sans Mono has Arabic and New Computer Modern has Devanagari,
        // but nothing embedded has Ethiopic or Han.
        assert_eq!(set.missing_glyphs("ሰላም 中"), vec!['ሰ', 'ላ', 'ም', '中']);
    }

    /// The discovered font set, loaded once per test binary.
    pub(crate) fn system_set() -> Option<&'static FontSet> {
        static SET: std::sync::OnceLock<Result<FontSet, String>> = std::sync::OnceLock::new();
        match SET.get_or_init(|| FontSet::discover().map_err(|e| e.to_string())) {
            Ok(s) => Some(s),
            Err(e) => {
                note!("note: skipping, fonts not installed: {e}");
                None
            }
        }
    }

    #[test]
    fn names_in_required_scripts_are_covered() {
        let Some(set) = system_set() else { return };
        let names = [
            "شركة البيانات المفتوحة",                             // Arabic
            "سازمان آمار ایران، پژوهشگاه",                        // Persian (پ ژ گ ی)
            "د افغانستان د احصایې ملي اداره ټ ډ ړ ږ ښ ګ ڼ ې ۍ",   // Pashto
            "ሚኒስቴር ጤና ትግራይ",                                      // Tigrinya
            "የኢትዮጵያ ስታቲስቲክስ አገልግሎት",                              // Amharic
            "Министерство здравоохранения",                       // Cyrillic
            "राष्ट्रीय सांख्यिकी कार्यालय",                            // Devanagari
            "国际移民组织数据研究所",                             // Chinese
            "\u{202B}مرحبا\u{202C} A\u{200D}B \u{200C} \u{FEFF}", // bidi controls, joiners
        ];
        for n in names {
            assert_eq!(set.missing_glyphs(n), Vec::<char>::new(), "{n}");
        }
    }

    #[test]
    fn uncovered_characters_are_reported_with_paths() {
        let Some(set) = system_set() else { return };
        let v = json!({
            "title": "ok",
            "parties": [
                {"legal_name": "Fine"},
                {"legal_name": "Nazar \u{1F9FF} Ltd \u{1F9FF}", "signatories": [{"name": "𓀀 Scribe"}]}
            ],
            "weird key": "𓀁",
            "n": 3
        });
        let got = set.check_json_strings(&v);
        assert_eq!(
            got,
            vec![
                MissingGlyph {
                    path: "parties[1].legal_name".into(),
                    ch: '\u{1F9FF}',
                    position: 6
                },
                MissingGlyph {
                    path: "parties[1].signatories[0].name".into(),
                    ch: '𓀀',
                    position: 0
                },
                MissingGlyph {
                    path: "[\"weird key\"]".into(),
                    ch: '𓀁',
                    position: 0
                },
            ]
        );
        assert_eq!(
            set.missing_glyphs("a\u{1F9FF}b\u{1F9FF}𓀀"),
            vec!['\u{1F9FF}', '𓀀']
        );
        assert_eq!(
            set.missing_glyphs_at("ok\nx 𓀀"),
            vec![MissingGlyphAt {
                line: 2,
                column: 3,
                ch: '𓀀'
            }]
        );
    }

    #[test]
    fn partial_cmap_reading_matches_full_parse() {
        for font in FONT_FILES {
            let Some(path) = DEFAULT_FONT_DIRS
                .iter()
                .find_map(|d| find_file(Path::new(d), font.file, 2))
            else {
                continue;
            };
            let full = Coverage::of_font_data(&std::fs::read(&path).unwrap()).unwrap();
            assert_eq!(
                Coverage::of_font_file(&path).unwrap().unwrap(),
                full,
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn missing_fonts_error_names_packages() {
        let err = FontSet::from_dirs(&[PathBuf::from("/nonexistent")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("fonts-noto-core") && err.contains("fonts-noto-cjk"),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }

    #[test]
    fn staging_uses_no_symlinks() {
        let Some(set) = system_set() else { return };
        let staged = set.stage().unwrap();
        let mut n = 0;
        for e in std::fs::read_dir(staged.path()).unwrap().flatten() {
            assert!(e.file_type().unwrap().is_file(), "{:?}", e.path());
            n += 1;
        }
        assert_eq!(n, FONT_FILES.len());
    }
}
