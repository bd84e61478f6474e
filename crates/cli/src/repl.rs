//! The interactive shell of `flowlake sql`: multi-line statements, history, completion of
//! keywords, tables, columns, hunts and meta-commands.

use std::borrow::Cow;

use anyhow::Result;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config, Context, Editor, Helper};

use crate::engine::{Engine, Step, history_path, statement_complete};

const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "ORDER BY",
    "HAVING",
    "LIMIT",
    "WITH",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS NULL",
    "IS NOT NULL",
    "LIKE",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "JOIN",
    "LEFT JOIN",
    "ON",
    "UNION ALL",
    "DESC",
    "ASC",
    "OVER",
    "PARTITION BY",
    "EXPLAIN",
    "SHOW TABLES",
    "CREATE VIEW",
    "DESCRIBE",
    "CAST",
    "from_unixtime",
    "to_iso8601",
    "date_format",
    "day_of_week",
    "date_trunc",
    "split_part",
    "approx_distinct",
    "regexp_like",
    "count_if",
    "cidr_contains",
    "is_private_ip",
    "protocol_name",
    "tcp_flags_names",
];

const META: &[&str] = &[
    "\\q", "\\d", "\\timing", "\\x", "\\format", "\\o", "\\i", "\\hunts", "\\run", "\\?",
];

struct ShellHelper {
    tables: Vec<String>,
    columns: Vec<String>,
    hunts: Vec<String>,
    files: FilenameCompleter,
}

impl ShellHelper {
    fn new(engine: &Engine) -> Self {
        let tables: Vec<String> = engine
            .ctx
            .catalog("datafusion")
            .and_then(|c| c.schema("public"))
            .map(|s| s.table_names())
            .unwrap_or_default();
        let mut columns: Vec<String> = Vec::new();
        for t in &tables {
            if let Ok(p) = engine.rt.block_on(engine.ctx.table_provider(t.as_str())) {
                for f in p.schema().fields() {
                    let name = f.name();
                    let quoted = if name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    {
                        name.clone()
                    } else {
                        format!("\"{name}\"")
                    };
                    if !columns.contains(&quoted) {
                        columns.push(quoted);
                    }
                }
            }
        }
        Self {
            tables,
            columns,
            hunts: engine.library.iter().map(|h| h.name.clone()).collect(),
            files: FilenameCompleter::new(),
        }
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before
            .rfind(|c: char| c.is_whitespace() || "(),;".contains(c))
            .map_or(0, |i| i + 1);
        let word = &before[start..];
        let trimmed = before.trim_start();
        let pairs = |items: &mut dyn Iterator<Item = String>| -> Vec<Pair> {
            items
                .map(|s| Pair {
                    display: s.clone(),
                    replacement: s,
                })
                .collect()
        };
        if trimmed.starts_with('\\') {
            let cmd = trimmed.split_whitespace().next().unwrap_or("");
            if start <= line.len() - trimmed.len() {
                return Ok((
                    start,
                    pairs(
                        &mut META
                            .iter()
                            .filter(|m| m.starts_with(word))
                            .map(|m| (*m).to_string()),
                    ),
                ));
            }
            return match cmd {
                "\\run" => Ok((
                    start,
                    pairs(&mut self.hunts.iter().filter(|h| h.starts_with(word)).cloned()),
                )),
                "\\d" => Ok((
                    start,
                    pairs(&mut self.tables.iter().filter(|t| t.starts_with(word)).cloned()),
                )),
                "\\i" | "\\o" => self.files.complete(line, pos, ctx),
                _ => Ok((start, Vec::new())),
            };
        }
        if word.is_empty() {
            return Ok((start, Vec::new()));
        }
        let lower = word.to_ascii_lowercase();
        let upper = word.chars().next().is_some_and(char::is_uppercase);
        let keywords = KEYWORDS
            .iter()
            .filter(|k| k.to_ascii_lowercase().starts_with(&lower))
            .map(|k| {
                if k.chars().any(char::is_lowercase) || upper {
                    (*k).to_string()
                } else {
                    k.to_ascii_lowercase()
                }
            });
        let names = self
            .tables
            .iter()
            .chain(&self.columns)
            .filter(|n| {
                let bare = n.trim_start_matches('"').to_ascii_lowercase();
                bare.starts_with(lower.trim_start_matches('"'))
            })
            .cloned();
        let mut all: Vec<String> = names.chain(keywords).collect();
        all.dedup();
        Ok((start, pairs(&mut all.into_iter())))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}

// Every line is taken as typed: the shell itself collects an unfinished statement's
// lines, under the continuation prompt.
impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

/// The prompt for a new statement.
const PROMPT: &str = "flowlake> ";

/// The prompt for the next line of an unfinished statement (psql's `-#`).
const CONTINUATION: &str = "flowlake-# ";

/// Add `entry` to the history and save it, so a crash loses nothing typed.
fn remember(
    rl: &mut Editor<ShellHelper, FileHistory>,
    history: Option<&std::path::Path>,
    entry: &str,
) {
    let _ = rl.add_history_entry(entry);
    if let Some(h) = history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = rl.save_history(h);
    }
}

/// Run the shell until `\q` or Ctrl-D.
pub fn run(engine: &mut Engine) -> Result<()> {
    engine.catch_interrupts()?;
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .max_history_size(10_000)?
        .build();
    let mut rl: Editor<ShellHelper, FileHistory> = Editor::with_config(config)?;
    rl.set_helper(Some(ShellHelper::new(engine)));
    let history = history_path();
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    eprintln!(
        "flowlake {}: table {} over the {} ({}). \\? for help, \\q to quit.",
        env!("CARGO_PKG_VERSION"),
        flowlake_query::TABLE,
        engine.source,
        if engine.window.is_unbounded() {
            "all of it".to_string()
        } else {
            engine.window.describe()
        }
    );
    // The lines of a statement not yet ended with `;`.
    let mut statement = String::new();
    loop {
        let prompt = if statement.is_empty() {
            PROMPT
        } else {
            CONTINUATION
        };
        match rl.readline(prompt) {
            Ok(input) => {
                if statement.is_empty() {
                    let t = input.trim();
                    if t.is_empty() {
                        continue;
                    }
                    if t.starts_with('\\') {
                        remember(&mut rl, history.as_deref(), t);
                        match engine.meta(t) {
                            Ok(Step::Quit) => break,
                            Ok(Step::Continue) => {}
                            Err(e) => eprintln!("error: {e:#}"),
                        }
                        continue;
                    }
                } else {
                    statement.push('\n');
                }
                statement.push_str(&input);
                if !statement_complete(&statement) {
                    continue;
                }
                let sql = std::mem::take(&mut statement);
                remember(&mut rl, history.as_deref(), sql.trim());
                if let Err(e) = engine.run_sql(&sql) {
                    eprintln!("error: {e:#}");
                }
            }
            // Ctrl-C drops the statement being typed, as psql does.
            Err(ReadlineError::Interrupted) => statement.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
