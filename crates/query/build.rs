//! Embeds the hunt library (`queries/*.sql` at the top of the repository) in the crate, so
//! the binary carries every built-in hunt and needs no files beside it.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let dir = manifest.join("../../queries");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Built-in hunts: (file name, text).\npub static BUILTIN: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let path = std::fs::canonicalize(f).unwrap();
        writeln!(
            out,
            "    ({:?}, include_str!({:?})),",
            f.file_name().unwrap().to_str().unwrap(),
            path.to_str().unwrap()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("builtin_hunts.rs");
    std::fs::write(dest, out).unwrap();
}
