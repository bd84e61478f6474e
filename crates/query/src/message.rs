//! Query errors worded for the person who wrote the query.
//!
//! DataFusion's messages are written for its developers: an unknown column lists every
//! qualified column of the table (2,400 characters for `vpc_flow_logs`), a syntax error
//! shows the parser's `Debug` form, an unknown table gets no suggestion. [`describe`]
//! says the point first, names the nearest columns or tables, points at the place in the
//! statement, and catches the commonest mistake of all: a text value without quotes
//! (`WHERE action = REJECT`).

use std::fmt::Write as _;

use datafusion::common::utils::datafusion_strsim::levenshtein;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::parser::ParserError;

/// The message for `error`, raised by the statement `sql`, with the table and column
/// names of `ctx` to suggest from. Errors it has nothing to add to keep DataFusion's
/// text, without its backtrace.
pub fn describe(error: &DataFusionError, sql: &str, ctx: &SessionContext) -> String {
    describe_at(error, sql, 0, ctx)
}

/// [`describe`] for the statement of `sql` that starts at byte `from` (a script of
/// several): names are looked for from there, so an earlier statement's alias or column
/// is not pointed at.
pub fn describe_at(
    error: &DataFusionError,
    sql: &str,
    from: usize,
    ctx: &SessionContext,
) -> String {
    let from = if sql.is_char_boundary(from) { from } else { 0 };
    // The earlier statements blanked out (lines kept), so places stay where they are.
    // Each character blanked byte for byte, so byte offsets stay where they are.
    let mut search = String::with_capacity(sql.len());
    for c in sql[..from].chars() {
        if c == '\n' {
            search.push('\n');
        } else {
            search.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
    search.push_str(&sql[from..]);
    let text = Text {
        shown: sql,
        search: &search,
    };
    let sql = &text;
    let root = innermost(error);
    match root {
        DataFusionError::SchemaError(e, _) => {
            if let datafusion::common::SchemaError::FieldNotFound {
                field,
                valid_fields,
            } = e.as_ref()
            {
                if let Some(relation) = &field.relation
                    && !valid_fields
                        .iter()
                        .any(|c| c.relation.as_ref() == Some(relation))
                {
                    return no_such_relation(&relation.to_string(), &field.name, sql);
                }
                let names: Vec<String> = valid_fields.iter().map(|c| c.name.clone()).collect();
                return no_such_column(&field.name, &names, sql);
            }
        }
        DataFusionError::SQL(e, _) => return syntax_error(e, sql),
        DataFusionError::Plan(msg) => {
            if let Some(table) = msg
                .strip_prefix("table '")
                .and_then(|rest| rest.strip_suffix("' not found"))
            {
                return no_such_table(table, ctx, sql);
            }
            return format!("{}{}", readable_types(msg.trim()), locate_error(msg, sql));
        }
        _ => {}
    }
    readable_types(error.strip_backtrace().trim())
}

/// The error below DataFusion's `Context` and `Diagnostic` wrappers.
fn innermost(error: &DataFusionError) -> &DataFusionError {
    let mut e = error.find_root();
    loop {
        match e {
            DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => {
                e = inner.as_ref();
            }
            _ => return e,
        }
    }
}

/// Arrow's type names as SQL's, in messages about types (`Utf8View + Int64`).
fn readable_types(msg: &str) -> String {
    let mut out = msg.to_string();
    for (arrow, sql) in [
        ("LargeUtf8", "VARCHAR"),
        ("Utf8View", "VARCHAR"),
        ("Utf8", "VARCHAR"),
        ("Int64", "BIGINT"),
        ("Int32", "INTEGER"),
        ("Float64", "DOUBLE"),
        ("Boolean", "BOOLEAN"),
    ] {
        out = replace_word(&out, arrow, sql);
    }
    out
}

/// `text` with the whole word `from` replaced by `to`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + from.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..at]);
        out.push_str(if word(before) || word(after) {
            from
        } else {
            to
        });
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

fn no_such_column(name: &str, columns: &[String], sql: &Text<'_>) -> String {
    let mut unique: Vec<&str> = Vec::new();
    for c in columns {
        if !unique.contains(&c.as_str()) {
            unique.push(c);
        }
    }
    let near = nearest(name, &unique);
    let place = find_word(sql.search, name);
    let written = place.map_or(name.to_string(), |p| sql.shown[p.start..p.end].to_string());
    let mut msg = format!("no column named {written}");
    if let Some(p) = place {
        msg.push_str(&pointer(sql.shown, p));
    }
    let quoted_text = place.is_some_and(|p| sql.shown[..p.start].ends_with('"'));
    let compared = place.is_some_and(|p| after_comparison(&sql.shown[..p.start]));
    if let Some(case) = unique
        .iter()
        .find(|c| c.eq_ignore_ascii_case(name) && **c != name)
    {
        let _ = write!(
            msg,
            "\nhint: column names are case-sensitive inside double quotes: \"{case}\""
        );
    } else if near.is_empty() || quoted_text || compared {
        // `action = REJECT`, `action = "REJECT"`: a value, not a column.
        let bare = written.trim_matches('"');
        let _ = write!(
            msg,
            "\nhint: text values need single quotes ('{bare}'); double quotes and bare words name columns"
        );
        if !near.is_empty() {
            let _ = write!(msg, "; or did you mean {}?", near.join(", "));
        }
    } else {
        let _ = write!(msg, "\nhint: did you mean {}?", near.join(", "));
    }
    if near.is_empty() {
        msg.push_str("\n(`\\d vpc_flow_logs` lists the columns)");
    }
    msg
}

/// `b.srcaddr` where the query has no table or alias `b`.
fn no_such_relation(relation: &str, column: &str, sql: &Text<'_>) -> String {
    let mut msg =
        format!("no table or alias named {relation} in this query (for {relation}.{column})");
    if let Some(p) = find_word(sql.search, relation) {
        msg.push_str(&pointer(sql.shown, p));
    }
    msg.push_str("\nhint: name a table of the FROM clause, or the alias given to it there");
    msg
}

fn no_such_table(qualified: &str, ctx: &SessionContext, sql: &Text<'_>) -> String {
    let name = qualified.rsplit('.').next().unwrap_or(qualified);
    let mut tables: Vec<String> = ctx
        .catalog("datafusion")
        .and_then(|c| c.schema("public"))
        .map(|s| s.table_names())
        .unwrap_or_default();
    tables.sort();
    let refs: Vec<&str> = tables.iter().map(String::as_str).collect();
    let near = nearest(name, &refs);
    let mut msg = format!("no table named {name}");
    if let Some(p) = find_word(sql.search, name) {
        msg.push_str(&pointer(sql.shown, p));
    }
    if !near.is_empty() {
        let _ = write!(msg, "\nhint: did you mean {}?", near.join(", "));
    }
    let _ = write!(msg, "\n(tables: {})", tables.join(", "));
    msg
}

/// `Expected: ), found: FROM at Line: 1, Column: 16` as `syntax error: expected ), found
/// FROM`, with the place shown.
fn syntax_error(e: &ParserError, sql: &Text<'_>) -> String {
    let text = match e {
        ParserError::ParserError(t) | ParserError::TokenizerError(t) => t.as_str(),
        ParserError::RecursionLimitExceeded => return "the statement nests too deeply".into(),
    };
    let (what, at) = match text.rsplit_once(" at Line: ") {
        Some((what, at)) => (what, Some(at)),
        None => (text, None),
    };
    let what = what
        .replacen("Expected: ", "expected ", 1)
        .replacen(", found: ", ", found ", 1);
    let mut msg = format!("syntax error: {what}");
    if let Some((line, column)) = at.and_then(|at| {
        let (l, c) = at.split_once(", Column: ")?;
        Some((
            l.trim().parse::<usize>().ok()?,
            c.trim().parse::<usize>().ok()?,
        ))
    }) && let Some(offset) = offset_of(sql.shown, line, column)
    {
        let end = sql.shown[offset..]
            .find(|c: char| c.is_whitespace())
            .map_or(sql.shown.len(), |n| offset + n)
            .max(offset + 1)
            .min(sql.shown.len());
        msg.push_str(&pointer(sql.shown, Span { start: offset, end }));
    }
    msg
}

/// A message that names something the statement holds (`Invalid function 'coun'`):
/// point at it.
fn locate_error(msg: &str, sql: &Text<'_>) -> String {
    let quoted = msg
        .split('\'')
        .nth(1)
        .filter(|q| !q.is_empty() && q.len() < 64);
    match quoted.and_then(|q| find_word(sql.search, q)) {
        Some(p) => pointer(sql.shown, p),
        None => String::new(),
    }
}

/// Names of `candidates` within a few edits of `name` (case aside), nearest first, at
/// most three.
fn nearest(name: &str, candidates: &[&str]) -> Vec<String> {
    let lower = name.to_lowercase();
    let limit = (lower.chars().count() / 3).clamp(1, 3);
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .map(|c| (levenshtein(&lower, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .collect();
    scored.sort_unstable();
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| {
            if c.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
            {
                c.to_string()
            } else {
                format!("\"{c}\"")
            }
        })
        .collect()
}

/// A statement as shown, and as searched (earlier statements blanked out).
struct Text<'a> {
    shown: &'a str,
    search: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

/// Where `word` first stands in `sql` as a whole word (case aside), outside string
/// literals and comments.
fn find_word(sql: &str, word: &str) -> Option<Span> {
    if word.is_empty() {
        return None;
    }
    let bytes = sql.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                // Skip a string literal ('' is a quote inside it).
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            _ => {
                let end = i + word.len();
                if end <= bytes.len()
                    && sql.is_char_boundary(i)
                    && sql.is_char_boundary(end)
                    && sql[i..end].eq_ignore_ascii_case(word)
                    && (i == 0 || !is_word(bytes[i - 1]))
                    && bytes.get(end).is_none_or(|b| !is_word(*b))
                    && !is_alias(&sql[..i])
                    && !names_a_subquery(&sql[end..])
                {
                    return Some(Span { start: i, end });
                }
                i += 1;
            }
        }
    }
    None
}

/// Whether a word followed by `after` names a common table expression (`WITH x AS (`).
fn names_a_subquery(after: &str) -> bool {
    let t = after.trim_start();
    t.get(..2).is_some_and(|w| w.eq_ignore_ascii_case("as")) && t[2..].trim_start().starts_with('(')
}

/// Whether the word after `before` is a name being given (`... AS srcadr2`), not used.
fn is_alias(before: &str) -> bool {
    ends_with_word(before.trim_end().trim_end_matches('"'), "as")
}

/// Whether `text` ends with the keyword `word` (ASCII, case aside) as a whole word.
fn ends_with_word(text: &str, word: &str) -> bool {
    let t = text.trim_end();
    let Some(at) = t.len().checked_sub(word.len()) else {
        return false;
    };
    t.get(at..).is_some_and(|w| w.eq_ignore_ascii_case(word))
        && t[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}

/// Whether `before` (the statement up to a word) ends where a value stands: after a
/// comparison, or in the list of an `IN (...)`.
fn after_comparison(before: &str) -> bool {
    let t = before.trim_end().trim_end_matches('"').trim_end();
    if ["=", "<", ">", "<>", "!="].iter().any(|op| t.ends_with(op)) {
        return true;
    }
    if !(t.ends_with('(') || t.ends_with(',')) {
        return false;
    }
    // The parenthesis the word is inside: is it an IN list?
    let mut depth = 0;
    for (i, c) in t.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => {
                return ends_with_word(&t[..i], "in");
            }
            '(' => depth -= 1,
            _ => {}
        }
    }
    false
}

/// The byte offset of 1-based `line` and `column` (in characters).
fn offset_of(sql: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        sql.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let text = &sql[start..];
    let line_len = text.find('\n').unwrap_or(text.len());
    let col = text[..line_len]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_len, |(i, _)| i);
    Some(start + col)
}

/// ` (column 7)` or ` (line 2 of the statement, column 7)`, then the line with `^` under the span.
fn pointer(sql: &str, span: Span) -> String {
    let line_start = sql[..span.start].rfind('\n').map_or(0, |n| n + 1);
    let line_end = sql[span.start..]
        .find('\n')
        .map_or(sql.len(), |n| span.start + n);
    let line_no = sql[..span.start].matches('\n').count() + 1;
    let column = sql[line_start..span.start].chars().count() + 1;
    let line = &sql[line_start..line_end];
    // Long lines are shown around the place only.
    let (shown, skipped) = if column > 60 {
        let from = sql[line_start..span.start]
            .char_indices()
            .rev()
            .nth(40)
            .map_or(0, |(i, _)| i);
        (
            format!("…{}", &line[from..]),
            line[..from].chars().count() - 1,
        )
    } else {
        (line.to_string(), 0)
    };
    let shown: String = shown.chars().take(120).collect();
    let width = {
        use unicode_width::UnicodeWidthStr;
        sql[span.start..span.end.min(line_end)].width().max(1)
    };
    // The caller names the statement's first line; a later line is counted from it.
    let place = if line_no == 1 {
        format!("column {column}")
    } else {
        format!("line {line_no} of the statement, column {column}")
    };
    // Under the place: a tab where the line has one, so the caret lines up.
    let pad: String = shown
        .chars()
        .take(column - 1 - skipped)
        .flat_map(|c| {
            use unicode_width::UnicodeWidthChar;
            let (fill, n) = if c == '\t' {
                ('\t', 1)
            } else {
                (' ', c.width().unwrap_or(0))
            };
            std::iter::repeat_n(fill, n)
        })
        .collect();
    format!(" ({place})\n  {shown}\n  {pad}{}", "^".repeat(width))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn message(sql: &str) -> String {
        let ctx = crate::session().unwrap();
        ctx.sql(r#"CREATE TABLE vpc_flow_logs (srcaddr VARCHAR, dstaddr VARCHAR, action VARCHAR, "aws-region" VARCHAR, "start" BIGINT)"#)
            .await
            .unwrap();
        let err = match ctx.sql(sql).await {
            Ok(df) => df.collect().await.expect_err(sql),
            Err(e) => e,
        };
        describe(&err, sql, &ctx)
    }

    #[tokio::test]
    async fn an_unquoted_value_gets_the_quoting_hint_not_the_column_list() {
        let sql = "SELECT count(*) FROM vpc_flow_logs WHERE action = REJECT";
        let m = message(sql).await;
        assert_eq!(
            m,
            "no column named REJECT (column 51)\n  \
             SELECT count(*) FROM vpc_flow_logs WHERE action = REJECT\n  \
             \x20                                                 ^^^^^^\n\
             hint: text values need single quotes ('REJECT'); double quotes and bare words name columns\n\
             (`\\d vpc_flow_logs` lists the columns)"
        );
        let m =
            message(r#"SELECT 1 FROM vpc_flow_logs WHERE action IN ('ACCEPT', "REJECT")"#).await;
        assert!(m.starts_with("no column named REJECT (column "), "{m}");
        assert!(m.contains("single quotes ('REJECT')"), "{m}");
    }

    #[tokio::test]
    async fn a_misspelt_column_gets_the_nearest_names() {
        let m = message("SELECT srcadr FROM vpc_flow_logs").await;
        assert!(m.starts_with("no column named srcadr (column 8)"), "{m}");
        assert!(m.ends_with("hint: did you mean srcaddr?"), "{m}");
        assert!(m.len() < 200, "{m}");
        let m = message(r#"SELECT "aws_region" FROM vpc_flow_logs"#).await;
        assert!(m.contains(r#"did you mean "aws-region"?"#), "{m}");
        let m = message(r#"SELECT "SRCADDR" FROM vpc_flow_logs"#).await;
        assert!(
            m.contains(r#"case-sensitive inside double quotes: "srcaddr""#),
            "{m}"
        );
    }

    #[tokio::test]
    async fn a_misspelt_table_gets_a_suggestion() {
        let m = message("SELECT *\nFROM vpc_flow_log").await;
        assert!(
            m.starts_with("no table named vpc_flow_log (line 2 of the statement, column 6)"),
            "{m}"
        );
        assert!(m.contains("hint: did you mean vpc_flow_logs?"), "{m}");
    }

    #[tokio::test]
    async fn syntax_errors_are_not_debug_output() {
        let m = message("SELECT count(* FROM vpc_flow_logs").await;
        assert_eq!(
            m,
            "syntax error: expected ), found FROM (column 16)\n  \
             SELECT count(* FROM vpc_flow_logs\n  \
             \x20              ^^^^"
        );
        let m = message("SELEC 1").await;
        assert!(
            m.starts_with("syntax error: expected an SQL statement, found SELEC"),
            "{m}"
        );
        assert!(!m.contains("ParserError"), "{m}");
    }

    #[tokio::test]
    async fn types_are_named_as_sql_names_them() {
        let m = message("SELECT srcaddr + 1 FROM vpc_flow_logs").await;
        assert!(m.contains("VARCHAR + BIGINT"), "{m}");
        let m = message("SELECT coun(*) FROM vpc_flow_logs").await;
        assert!(m.contains("count"), "{m}");
        assert!(m.contains("(column 8)"), "{m}");
    }

    #[tokio::test]
    async fn the_caret_finds_the_use_not_a_comment_or_an_alias() {
        let m = message("select /* srcadr */ srcadr from vpc_flow_logs").await;
        assert!(m.starts_with("no column named srcadr (column 21)"), "{m}");
        let m = message("select srcaddr as srcadr2, srcadr2 from vpc_flow_logs").await;
        assert!(m.starts_with("no column named srcadr2 (column 28)"), "{m}");
        // A misspelt column in a select list is not a value.
        let m = message("select srcaddr, srcadr from vpc_flow_logs").await;
        assert!(m.ends_with("hint: did you mean srcaddr?"), "{m}");
        // A qualifier the query does not have.
        let m = message("select b.srcaddr from vpc_flow_logs a").await;
        assert!(
            m.starts_with("no table or alias named b in this query (for b.srcaddr)"),
            "{m}"
        );
        // An earlier statement with characters of several bytes on the same line.
        let sql = "select '日本'; select srcadr from vpc_flow_logs";
        let from = sql.find(';').unwrap() + 1;
        let ctx = crate::session().unwrap();
        ctx.sql("CREATE TABLE vpc_flow_logs (srcaddr VARCHAR)")
            .await
            .unwrap();
        let err = ctx.sql(&sql[from..]).await.unwrap_err();
        let m = describe_at(&err, sql, from, &ctx);
        assert!(m.starts_with("no column named srcadr (column 21)"), "{m}");
        // Under two wide characters, the caret moves four columns.
        assert!(m.contains("\n                        ^^^^^^"), "{m:?}");
        // Wide characters after the word, or in it.
        let m = message("select srcadr \"日本\" from vpc_flow_logs").await;
        assert!(m.starts_with("no column named srcadr (column 8)"), "{m}");
        let m = message("select 日本srcadr from vpc_flow_logs").await;
        assert!(m.contains("no column named 日本srcadr"), "{m}");
        assert!(m.contains("\n         ^^^^^^^^^^"), "{m:?}");
        // A common table expression's name is not the column.
        let m = message("with srcadr as (select 1) select srcadr from vpc_flow_logs").await;
        assert!(m.starts_with("no column named srcadr (column 34)"), "{m}");
        // Tabs stay tabs under the line.
        let m = message("select\tnope from vpc_flow_logs").await;
        assert!(
            m.contains("\n  select\tnope from vpc_flow_logs\n        \t^^^^"),
            "{m:?}"
        );
    }

    #[test]
    fn words_in_strings_and_comments_are_not_found() {
        let sql = "SELECT 'reject' -- reject\n, reject";
        let at = find_word(sql, "REJECT").unwrap();
        assert_eq!(&sql[at.start..at.end], "reject");
        assert_eq!(at.start, sql.len() - 6);
        assert_eq!(
            replace_word("Utf8View + Utf8", "Utf8", "VARCHAR"),
            "Utf8View + VARCHAR"
        );
    }
}
