//! Embeds the shipped default templates (`templates/<kind>/<event.type>.hbs`
//! at the repository top level) so the binary works from any directory.

use std::{env, fs, path::Path};

fn main() {
    let root =
        Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("../templates");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut entries = Vec::new();
    if let Ok(kinds) = fs::read_dir(&root) {
        for kind in kinds.flatten().filter(|e| e.path().is_dir()) {
            println!("cargo:rerun-if-changed={}", kind.path().display());
            for file in fs::read_dir(kind.path())
                .expect("readable templates dir")
                .flatten()
            {
                let path = file.path();
                if path.extension().is_some_and(|e| e == "hbs") {
                    let name = format!(
                        "{}/{}",
                        kind.file_name().to_string_lossy(),
                        file.file_name().to_string_lossy()
                    );
                    let abs = fs::canonicalize(&path).expect("template path");
                    entries.push((name, abs));
                }
            }
        }
    }
    entries.sort();
    let mut out = String::from("/// `(\"<kind>/<event.type>.hbs\", source)` of every shipped template.\npub(super) static DEFAULTS: &[(&str, &str)] = &[\n");
    for (name, abs) in entries {
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("cargo sets it")).join("default_templates.rs");
    fs::write(dest, out).expect("write default_templates.rs");
}
