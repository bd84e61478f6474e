//! `flowlake sql`: one-shot statements, scripts on standard input, or the shell.

use std::io::{IsTerminal, Read};

use anyhow::{Context, Result};

use crate::Outcome;
use crate::args::SqlArgs;
use crate::engine::{Engine, read_script};
use crate::results::Destination;

pub fn run(args: &SqlArgs) -> Result<Outcome> {
    let dest = Destination::resolve(
        args.output.output.clone(),
        args.output.format,
        std::io::stdout().is_terminal(),
    )?;
    let mut engine = Engine::open(&args.lake, dest)?;
    engine.timing = args.timing;
    if !args.execute.is_empty() || !args.file.is_empty() {
        for sql in &args.execute {
            engine.run_script(sql, "-e")?;
        }
        for file in &args.file {
            let text = read_script(file)?;
            engine.run_script(&text, &file.display().to_string())?;
        }
    } else if std::io::stdin().is_terminal() {
        crate::repl::run(&mut engine)?;
    } else {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read SQL from standard input")?;
        engine.run_script(&text, "<stdin>")?;
    }
    Ok(Outcome::Success)
}
