//! Loading a config file: TOML text in, a typed [`Config`] out, or every problem found.
//!
//! Stages: parse the TOML with spans (all syntax errors, with recovery) → convert it to a
//! JSON tree while remembering the span of every key and value → validate the tree against the
//! JSON Schema derived from [`Config`] (all unknown keys, wrong types, missing fields, bad
//! enum values at once) → deserialize, which types every date and duration. Each problem
//! becomes a [`Diagnostic`] that points at the exact key or value.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::{Map, Value};
use toml::de::{DeTable, DeValue};

use crate::config::Config;
use crate::dates::BadValue;
use crate::diag::{Diagnostic, SourceFile, did_you_mean};

/// Where each key and value of a config came from: a file (a config may be assembled from a
/// programme file and a partner file) and a byte span in it, by JSON pointer
/// (`/parties/0/country`).
#[derive(Debug, Default, Clone)]
pub struct Spans {
    sources: Vec<SourceFile>,
    values: HashMap<String, (usize, Range<usize>)>,
    keys: HashMap<String, (usize, Range<usize>)>,
}

impl Spans {
    fn new(source: &SourceFile) -> Self {
        Spans {
            sources: vec![source.clone()],
            ..Spans::default()
        }
    }

    fn nearest<'a>(
        map: &'a HashMap<String, (usize, Range<usize>)>,
        pointer: &str,
    ) -> Option<&'a (usize, Range<usize>)> {
        let mut p = pointer;
        loop {
            if let Some(s) = map.get(p) {
                return Some(s);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    /// Point a diagnostic at the value at `pointer`, or at the nearest enclosing value.
    pub fn at_value(&self, d: Diagnostic, pointer: &str) -> Diagnostic {
        match Spans::nearest(&self.values, pointer) {
            Some((src, span)) => d.at(&self.sources[*src], Some(span.clone())),
            None => match self.sources.first() {
                Some(src) => d.at(src, None),
                None => d,
            },
        }
    }

    /// Point a diagnostic at the key at `pointer` (else its value).
    pub fn at_key(&self, d: Diagnostic, pointer: &str) -> Diagnostic {
        match self.keys.get(pointer) {
            Some((src, span)) => d.at(&self.sources[*src], Some(span.clone())),
            None => self.at_value(d, pointer),
        }
    }

    /// The byte span of the value at `pointer` in the primary file, if it came from there.
    pub fn value_span(&self, pointer: &str) -> Option<Range<usize>> {
        Spans::nearest(&self.values, pointer)
            .filter(|(s, _)| *s == 0)
            .map(|(_, r)| r.clone())
    }

    /// Re-root spans found under `from` (e.g. `/partners/3`) at `to` (e.g. `/parties/1`).
    pub fn graft(&mut self, other: &Spans, from: &str, to: &str) {
        let offset = self.sources.len();
        self.sources.extend(other.sources.iter().cloned());
        for (map, other_map) in [
            (&mut self.values, &other.values),
            (&mut self.keys, &other.keys),
        ] {
            for (k, (src, span)) in other_map {
                if let Some(rest) = k.strip_prefix(from)
                    && (rest.is_empty() || rest.starts_with('/'))
                {
                    map.insert(format!("{to}{rest}"), (src + offset, span.clone()));
                }
            }
        }
    }

    /// Point every field at or under `to` at one span of another file (e.g. a CSV row).
    pub fn graft_flat(&mut self, source: &SourceFile, span: Range<usize>, to: &str, value: &Value) {
        let idx = self.sources.len();
        self.sources.push(source.clone());
        fn walk(
            map: &mut HashMap<String, (usize, Range<usize>)>,
            p: String,
            v: &Value,
            idx: usize,
            span: &Range<usize>,
        ) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        walk(map, format!("{p}/{}", escape_pointer(k)), v, idx, span);
                    }
                }
                Value::Array(a) => {
                    for (i, v) in a.iter().enumerate() {
                        walk(map, format!("{p}/{i}"), v, idx, span);
                    }
                }
                _ => {}
            }
            map.insert(p, (idx, span.clone()));
        }
        walk(&mut self.values, to.to_owned(), value, idx, &span);
    }

    /// Keep only the elements `kept` (their old indices, in order) of the array at `pointer`,
    /// renumbered from 0 as the array now is.
    pub fn keep_elements(&mut self, pointer: &str, kept: &[usize]) {
        let prefix = format!("{pointer}/");
        for map in [&mut self.values, &mut self.keys] {
            let under: Vec<String> = map
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .cloned()
                .collect();
            let mut moved = Vec::with_capacity(under.len());
            for k in under {
                let span = map.remove(&k).expect("key listed above");
                let rest = &k[prefix.len()..];
                let (index, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                let Some(new) = index
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| kept.iter().position(|&x| x == i))
                else {
                    continue;
                };
                moved.push((format!("{prefix}{new}{tail}"), span));
            }
            map.extend(moved);
        }
    }

    /// Drop every span at or under `pointer`.
    pub fn remove_under(&mut self, pointer: &str) {
        let prefix = format!("{pointer}/");
        let keep = |k: &String| !(k == pointer || k.starts_with(&prefix));
        self.values.retain(|k, _| keep(k));
        self.keys.retain(|k, _| keep(k));
    }
}

/// A config file that parsed and matched the schema.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub source: SourceFile,
    pub config: Config,
    /// The config as JSON, as it appeared in the file (before defaults).
    pub raw: Value,
    pub spans: Spans,
    /// Dates and durations that do not parse, by JSON pointer, each with its diagnostic.
    /// `config` holds a valid stand-in for each, so that [`crate::model::build`] can check the
    /// rest of the file and report every problem in one run; it refuses a config with any.
    pub bad_values: Vec<(String, Diagnostic)>,
}

impl Loaded {
    /// Whether the date or duration at `pointer` is a stand-in for a value that did not parse.
    pub fn is_bad_value(&self, pointer: &str) -> bool {
        self.bad_values.iter().any(|(p, _)| p == pointer)
    }

    /// A diagnostic pointing at the value of a field given as a JSON pointer.
    pub fn diag_at(&self, d: Diagnostic, pointer: &str) -> Diagnostic {
        let d = if d.field.is_none() {
            d.field(pointer_to_field(pointer))
        } else {
            d
        };
        self.spans.at_value(d, pointer)
    }
}

/// Keys that an earlier version of the config had, by table, with what to write instead.
const REPLACED_KEYS: &[(&str, &str, &str)] = &[(
    "/agreement",
    "binding",
    "`binding` was replaced by `kind`: write kind = \"protocol\" for a non-binding information-sharing protocol (agreements and processor terms are binding)",
)];

/// Turn `/parties/1/country` into `parties[1].country`.
pub fn pointer_to_field(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').filter(|s| !s.is_empty()) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    if out.is_empty() {
        "(top level)".to_owned()
    } else {
        out
    }
}

/// Load a config file.
pub fn load_file(path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    load_source(read_source(path)?)
}

/// A config file as a source: UTF-8, without a byte-order mark, within [`MAX_CONFIG_BYTES`].
pub fn read_source(path: &Path) -> Result<SourceFile, Vec<Diagnostic>> {
    let bytes = std::fs::read(path).map_err(|e| {
        vec![
            Diagnostic::error("io::read", format!("cannot read {}: {e}", path.display())).help(
                "check the path; configs are TOML files such as examples/mno-displacement.toml",
            ),
        ]
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let src = SourceFile::new(path, &lossy);
            return Err(vec![
                Diagnostic::error("config::encoding", "the file is not valid UTF-8")
                    .label("invalid byte sequence here")
                    .help(
                        "save the file as UTF-8 (most editors: File > Save with encoding > UTF-8)",
                    )
                    .at(&src, Some(offset..offset + 1)),
            ]);
        }
    };
    source_from_text(path, &text)
}

/// The largest config accepted, in bytes. Real agreements are a few kilobytes.
pub const MAX_CONFIG_BYTES: usize = 4 * 1024 * 1024;

/// Config text as a source (see [`read_source`]); `path` is used in messages only.
pub fn source_from_text(path: &Path, text: &str) -> Result<SourceFile, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let source = SourceFile::new(path, text);
    if text.len() > MAX_CONFIG_BYTES {
        return Err(vec![
            Diagnostic::error(
                "config::too-large",
                format!("the file is {} bytes; the limit is {MAX_CONFIG_BYTES}", text.len()),
            )
            .help("an agreement config is a few kilobytes; split a programme into one file per partner")
            .at(&source, None),
        ]);
    }
    Ok(source)
}

/// Load a config from text; `path` is used in messages only.
pub fn load_str(path: &Path, text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    load_source(source_from_text(path, text)?)
}

fn load_source(source: SourceFile) -> Result<Loaded, Vec<Diagnostic>> {
    let (raw, spans) = parse_tree(&source)?;
    load_json(source, raw, spans)
}

/// Parse TOML text into a JSON tree and the spans of its keys and values.
pub fn parse_tree(source: &SourceFile) -> Result<(Value, Spans), Vec<Diagnostic>> {
    let (table, errors) = DeTable::parse_recoverable(&source.text);
    if !errors.is_empty() {
        return Err(errors
            .into_iter()
            .map(|e| {
                Diagnostic::error("config::syntax", first_line(e.message()))
                    .label("TOML syntax error")
                    .help("see https://toml.io for the syntax; strings need double quotes, tables [name], arrays of tables [[name]]")
                    .at(source, e.span())
            })
            .collect());
    }
    let mut spans = Spans::new(source);
    let root_span = table.span();
    let mut bad = Vec::new();
    let raw = table_to_json(table.get_ref(), "", &mut spans, &mut bad);
    spans.values.entry(String::new()).or_insert((0, root_span));
    if !bad.is_empty() {
        return Err(bad
            .into_iter()
            .map(|(pointer, message)| {
                spans.at_value(
                    Diagnostic::error("config::bad-number", message)
                        .help("write a finite number within range, such as 5400")
                        .field(pointer_to_field(&pointer)),
                    &pointer,
                )
            })
            .collect());
    }
    Ok((raw, spans))
}

/// Validate a JSON tree built from TOML (see [`parse_tree`]) and deserialize it.
///
/// The schema is derived from the config types, every table of it closed as the types are
/// (`deny_unknown_fields`), so a tree the types accept is one the schema accepts
/// (`schema_accepts_what_the_types_accept` checks this on every example and deal). The schema
/// is only there to explain a refusal, every problem at once and with a suggestion; compiling
/// its validator costs more than the rest of loading a config, so it is compiled only when
/// the types refuse the tree.
pub fn load_json(source: SourceFile, raw: Value, spans: Spans) -> Result<Loaded, Vec<Diagnostic>> {
    // Serde stops at the first error. To report every bad date and duration at once, each one
    // found is recorded and replaced by a valid stand-in in a scratch copy of the tree, and
    // deserialization runs again; every pass replaces one more value, so this ends.
    let mut scratch: Option<Value> = None;
    let mut bad_values = Vec::new();
    let mut schema_checked = false;
    loop {
        let tree = scratch.as_ref().unwrap_or(&raw);
        let e = match serde_path_to_error::deserialize::<_, Config>(tree) {
            Ok(config) => {
                return Ok(Loaded {
                    source,
                    config,
                    raw,
                    spans,
                    bad_values,
                });
            }
            Err(e) => e,
        };
        if !schema_checked {
            schema_checked = true;
            let mut diags = validate_schema(&raw, &spans);
            if !diags.is_empty() {
                diags.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
                return Err(diags);
            }
        }
        let pointer = error_pointer(e.path());
        let message = e.inner().to_string();
        if let Some(bad) = BadValue::from_error_text(&message) {
            let slot = scratch
                .get_or_insert_with(|| raw.clone())
                .pointer_mut(&pointer)
                .filter(|v| v.as_str().is_some_and(|s| s != bad.stand_in()));
            if let Some(slot) = slot {
                *slot = Value::String(bad.stand_in().to_owned());
                let d = Diagnostic::error(bad.code(), bad.message())
                    .help(bad.help())
                    .field(pointer_to_field(&pointer));
                bad_values.push((pointer.clone(), spans.at_value(d, &pointer)));
                continue;
            }
        }
        return Err(vec![not_deserialized(&message, &pointer, &spans)]);
    }
}

/// The JSON pointer of the value serde stopped at.
fn error_pointer(path: &serde_path_to_error::Path) -> String {
    path.iter()
        .filter_map(|seg| match seg {
            serde_path_to_error::Segment::Map { key } => Some(format!("/{}", escape_pointer(key))),
            serde_path_to_error::Segment::Seq { index } => Some(format!("/{index}")),
            _ => None,
        })
        .collect()
}

/// A value the schema let through but its type refuses. The schema is derived from the same
/// types, so this is rare (a whole number out of its type's range, or written as 5.4e3): say
/// where, and what to write.
fn not_deserialized(message: &str, pointer: &str, spans: &Spans) -> Diagnostic {
    let range = [
        ("u8", u8::MAX as u64),
        ("u16", u16::MAX as u64),
        ("u32", u32::MAX as u64),
        ("u64", u64::MAX),
    ]
    .into_iter()
    .find(|(t, _)| message.ends_with(&format!("expected {t}")));
    let help = match range {
        Some((_, max)) => {
            format!("write a whole number from 0 to {max}, without a decimal point or exponent")
        }
        None => "see `datapact schema` for the type of each field".to_owned(),
    };
    let d = Diagnostic::error("config::invalid", message)
        .help(help)
        .field(pointer_to_field(pointer));
    spans.at_value(d, pointer)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_owned()
}

fn escape_pointer(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// Numbers JSON cannot carry (`inf`, `nan`, integers beyond 64 bits) are collected in `bad`
/// as (pointer, message): they would otherwise become "no value" without a word.
type BadNumbers = Vec<(String, String)>;

fn table_to_json(
    table: &DeTable<'_>,
    pointer: &str,
    spans: &mut Spans,
    bad: &mut BadNumbers,
) -> Value {
    let mut map = Map::new();
    for (key, value) in table.iter() {
        let p = format!("{pointer}/{}", escape_pointer(key.get_ref()));
        spans.keys.insert(p.clone(), (0, key.span()));
        spans.values.insert(p.clone(), (0, value.span()));
        map.insert(
            key.get_ref().to_string(),
            value_to_json(value.get_ref(), &p, spans, bad),
        );
    }
    Value::Object(map)
}

fn value_to_json(
    value: &DeValue<'_>,
    pointer: &str,
    spans: &mut Spans,
    bad: &mut BadNumbers,
) -> Value {
    match value {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let parsed = match i.radix() {
                10 => digits.parse::<i64>(),
                // 0x…, 0o…, 0b…
                r => i64::from_str_radix(digits.get(2..).unwrap_or(""), r),
            };
            match parsed {
                Ok(n) => Value::from(n),
                Err(_) => {
                    bad.push((
                        pointer.to_owned(),
                        format!("the number {} is too large", i.as_str()),
                    ));
                    Value::Null
                }
            }
        }
        DeValue::Float(f) => match f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            Some(n) => Value::Number(n),
            None => {
                bad.push((
                    pointer.to_owned(),
                    format!("`{}` is not a number an agreement can state", f.as_str()),
                ));
                Value::Null
            }
        },
        DeValue::Boolean(b) => Value::Bool(*b),
        // Dates are carried as text; their meaning is checked later with a precise message.
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{pointer}/{i}");
                    spans.values.insert(p.clone(), (0, item.span()));
                    value_to_json(item.get_ref(), &p, spans, bad)
                })
                .collect(),
        ),
        DeValue::Table(t) => table_to_json(t, pointer, spans, bad),
    }
}

/// The JSON Schema of a config file, shared by `datapact schema` and validation.
pub fn config_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut schema = serde_json::to_value(schemars::schema_for!(Config)).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut schema {
            map.insert(
                "title".into(),
                Value::String("datapact agreement config".into()),
            );
            map.insert(
                "$id".into(),
                Value::String("https://datapact.invalid/schema/config-v1.json".into()),
            );
        }
        schema
    })
}

fn validate_schema(instance: &Value, spans: &Spans) -> Vec<Diagnostic> {
    use jsonschema::error::ValidationErrorKind as K;
    let schema = config_schema();
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    let validator = match VALIDATOR
        .get_or_init(|| jsonschema::validator_for(schema).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => return vec![Diagnostic::error("internal::schema", e.clone())],
    };
    let mut out = Vec::new();
    for err in validator.iter_errors(instance) {
        let pointer = err.instance_path().to_string();
        let field = pointer_to_field(&pointer);
        let schema_path = err.schema_path().to_string();
        let d = match err.kind() {
            K::AdditionalProperties { unexpected } => {
                let allowed = allowed_properties(schema, &schema_path);
                for key in unexpected {
                    let p = format!("{pointer}/{}", escape_pointer(key));
                    let mut d = Diagnostic::error(
                        "config::unknown-key",
                        format!("unknown key `{key}` in {}", table_name(&field)),
                    )
                    .field(pointer_to_field(&p))
                    .label("not a known key");
                    let replaced = REPLACED_KEYS
                        .iter()
                        .find(|(table, k, _)| *table == pointer && k == key);
                    d = match did_you_mean(key, allowed.iter().map(String::as_str)) {
                        _ if replaced.is_some() => {
                            d.help(replaced.map(|r| r.2).unwrap_or_default())
                        }
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => {
                            d.help(format!("the keys allowed here are: {}", allowed.join(", ")))
                        }
                    };
                    out.push(spans.at_key(d, &p));
                }
                continue;
            }
            K::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let doc = property_doc(schema, &schema_path, name);
                Diagnostic::error(
                    "config::missing-field",
                    format!("missing required field `{name}` in {}", table_name(&field)),
                )
                .field(if field == "(top level)" {
                    name.to_owned()
                } else {
                    format!("{field}.{name}")
                })
                .label(format!("`{name}` is required here"))
                .help(match doc {
                    Some(doc) => format!("add `{name} = …`: {doc}"),
                    None => format!("add `{name} = …`"),
                })
            }
            K::Enum { options } => {
                let opts: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let given = err.instance().as_str().unwrap_or_default().to_owned();
                let mut d = Diagnostic::error(
                    "config::invalid-value",
                    format!("`{given}` is not a valid value for `{field}`"),
                )
                .field(field.clone())
                .label("not one of the allowed values");
                d = match did_you_mean(&given, opts.iter().map(String::as_str)) {
                    Some(s) => d.help(format!(
                        "did you mean \"{s}\"? allowed: {}",
                        quote_list(&opts)
                    )),
                    None => d.help(format!("write one of: {}", quote_list(&opts))),
                };
                d
            }
            K::Type { kind } => {
                let expected = format!("{kind:?}")
                    .replace("Single(", "")
                    .replace(')', "")
                    .to_lowercase();
                Diagnostic::error(
                    "config::wrong-type",
                    format!(
                        "`{field}` has the wrong type: expected {}, found {}",
                        describe_type(&expected),
                        json_type(err.instance())
                    ),
                )
                .field(field.clone())
                .label(format!("expected {}", describe_type(&expected)))
                .help(type_help(&expected))
            }
            K::Minimum { limit } => Diagnostic::error(
                "config::out-of-range",
                format!("`{field}` must be at least {limit}"),
            )
            .field(field.clone())
            .help(format!("write a number of {limit} or more")),
            K::Maximum { limit } => Diagnostic::error(
                "config::out-of-range",
                format!("`{field}` must be at most {limit}"),
            )
            .field(field.clone())
            .help(format!("write a number of {limit} or less")),
            _ => Diagnostic::error("config::invalid", format!("`{field}`: {err}"))
                .field(field.clone()),
        };
        out.push(spans.at_value(d, &pointer));
    }
    out
}

fn table_name(field: &str) -> String {
    if field == "(top level)" {
        "the top level of the file".to_owned()
    } else {
        format!("`{field}`")
    }
}

fn quote_list(opts: &[String]) -> String {
    opts.iter()
        .map(|o| format!("\"{o}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_type(t: &str) -> &'static str {
    match t {
        "string" => "a string (in double quotes)",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "an array [ … ]",
        "object" => "a table",
        _ => "another type",
    }
}

fn type_help(t: &str) -> String {
    match t {
        "string" => "put the value in double quotes, e.g. \"…\"".to_owned(),
        "integer" => "write a whole number without quotes, e.g. 30".to_owned(),
        "boolean" => "write true or false without quotes".to_owned(),
        "array" => "write a list in brackets, e.g. [\"a\", \"b\"]".to_owned(),
        "object" => "write a table, e.g. { name = \"…\", email = \"…\" }".to_owned(),
        _ => "see `datapact schema` for the expected shape".to_owned(),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "a whole number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a table",
    }
}

/// Follow a schema path such as `/properties/parties/items/$ref/…` to the object schema that
/// produced an error, resolving `$ref`s into `$defs`.
fn schema_node<'a>(schema: &'a Value, schema_path: &str) -> Option<&'a Value> {
    let mut node = schema;
    let segs: Vec<&str> = schema_path.split('/').filter(|s| !s.is_empty()).collect();
    // Drop the keyword itself (additionalProperties / required).
    let segs = &segs[..segs.len().saturating_sub(1)];
    for seg in segs {
        node = resolve_ref(schema, node);
        if *seg == "$ref" {
            continue;
        }
        node = match node {
            Value::Object(m) => m.get(*seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(resolve_ref(schema, node))
}

fn resolve_ref<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix("#/") {
                Some(path) => {
                    let mut n = root;
                    for seg in path.split('/') {
                        match n.get(seg) {
                            Some(next) => n = next,
                            None => return node,
                        }
                    }
                    node = n;
                }
                None => return node,
            },
            None => return node,
        }
    }
    node
}

fn allowed_properties(schema: &Value, schema_path: &str) -> Vec<String> {
    schema_node(schema, schema_path)
        .and_then(|n| n.get("properties"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn property_doc(schema: &Value, schema_path: &str, name: &str) -> Option<String> {
    let node = schema_node(schema, schema_path)?;
    let prop = resolve_ref(schema, node.get("properties")?.get(name)?);
    let desc = prop
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            // A property that is itself a table: use the table's own description.
            node.get("properties")?
                .get(name)?
                .get("description")?
                .as_str()
                .map(str::to_owned)
        })?;
    Some(desc.lines().next().unwrap_or_default().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<Diagnostic> {
        load_str(Path::new("t.toml"), text)
            .err()
            .unwrap_or_default()
    }

    /// `load_json` skips the schema when the types accept a config: that is sound only while
    /// the schema accepts everything the types do. Every example, programme partner and deal
    /// is checked against the schema here.
    #[test]
    fn schema_accepts_what_the_types_accept() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["examples", "examples/programme", "tests/deals"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "toml")
                    && !path.to_string_lossy().ends_with(".expect.toml")
                {
                    files.push(path);
                }
            }
        }
        let mut checked = 0;
        for file in files {
            for planned in crate::input::plan_arg(&file.to_string_lossy()) {
                let label = planned.label();
                let model = planned
                    .model()
                    .unwrap_or_else(|d| panic!("{label}: {d:#?}"));
                let refused = validate_schema(&model.loaded.raw, &model.loaded.spans);
                assert!(
                    refused.is_empty(),
                    "{label}: the types accept it, the schema does not: {refused:#?}"
                );
                checked += 1;
            }
        }
        assert!(checked >= 20, "only {checked} configs found");
    }

    #[test]
    fn unknown_key_in_a_valid_config_is_still_reported() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ngo-survey.toml"),
        )
        .unwrap()
        .replacen("[agreement]\n", "[agreement]\nreferense = \"x\"\n", 1);
        let e = errors(&text);
        assert!(
            e.iter()
                .any(|d| d.code == "config::unknown-key" && d.message.contains("referense")),
            "{e:#?}"
        );
    }

    #[test]
    fn pointer_to_field_reads_like_toml() {
        assert_eq!(pointer_to_field("/parties/1/country"), "parties[1].country");
        assert_eq!(pointer_to_field(""), "(top level)");
    }

    #[test]
    fn syntax_error_has_position() {
        let e = errors("[agreement\ntitle = 1");
        assert_eq!(e[0].code, "config::syntax");
        assert_eq!(e[0].location.as_ref().map(|l| l.line), Some(1));
    }

    #[test]
    fn reports_every_unknown_key_with_suggestion() {
        let e = errors("[agreement]\ntitel = \"x\"\nreferense = \"y\"\n");
        let unknown: Vec<_> = e
            .iter()
            .filter(|d| d.code == "config::unknown-key")
            .collect();
        assert_eq!(unknown.len(), 2, "{e:#?}");
        assert!(
            unknown[0]
                .help
                .as_deref()
                .unwrap_or_default()
                .contains("`title`")
        );
        assert_eq!(unknown[0].location.as_ref().map(|l| l.line), Some(2));
        assert_eq!(unknown[1].location.as_ref().map(|l| l.line), Some(3));
    }
}
