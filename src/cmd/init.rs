//! `datapact init` (a commented starter config) and `datapact schema` (the config's JSON Schema).

use crate::cli::InitArgs;
use crate::output::write_atomic;

use super::{OK, fail, out_json};

const STARTER: &str = include_str!("../starter.toml");

pub(super) fn init(args: InitArgs) -> u8 {
    if args.path.exists() && !args.force {
        return fail(format_args!(
            "{} already exists; pass --force to overwrite it",
            args.path.display()
        ));
    }
    let schema_path = args.path.with_file_name("datapact.schema.json");
    let schema = match serde_json::to_string_pretty(crate::load::config_schema()) {
        Ok(s) => s,
        Err(e) => return fail(format_args!("cannot write the schema: {e}")),
    };
    if let Err(e) = write_atomic(&schema_path, format!("{schema}\n").as_bytes()) {
        return fail(e);
    }
    let text = format!("#:schema ./datapact.schema.json\n{STARTER}");
    if let Err(e) = write_atomic(&args.path, text.as_bytes()) {
        return fail(e);
    }
    note!(
        "wrote {} (and {} for editor completion)\nnext: datapact generate {} -o out/",
        args.path.display(),
        schema_path.display(),
        args.path.display()
    );
    OK
}

pub(super) fn schema(twin: bool) -> u8 {
    let value = if twin {
        crate::twin::schema()
    } else {
        crate::load::config_schema().clone()
    };
    out_json(&value)
}
