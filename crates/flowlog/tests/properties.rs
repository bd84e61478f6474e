//! Properties of the decoder, checked on random inputs (proptest; a failing case is
//! shrunk and printed, and can be replayed from `proptest-regressions/`):
//!
//! - any valid records, in any format of either kind (VPC or transit gateway), written
//!   with any whitespace, line endings and chunking, decode back to exactly their values;
//! - arbitrary bytes, in any chunks, never panic, and every line is accounted for.

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use flowlog::{Decoder, FieldDef, FieldType, Format, RecordKind};
use proptest::prelude::*;

/// A value as written in a record, and what it must decode to (`None` for `-`).
#[derive(Debug, Clone)]
enum Value {
    Int(Option<i64>),
    Str(Option<String>),
}

fn value(def: &'static FieldDef) -> BoxedStrategy<Value> {
    match def.ty {
        FieldType::Utf8 => prop_oneof![
            1 => Just(Value::Str(None)),
            // Never all lowercase, so a line of values is never mistaken for a header.
            6 => "[A-Z0-9][A-Za-z0-9.:/_-]{0,24}".prop_map(|s| Value::Str(Some(s))),
        ]
        .boxed(),
        FieldType::Int32 | FieldType::Int64 => {
            let (lo, hi) = def.range.unwrap_or(match def.ty {
                FieldType::Int32 => (0, i64::from(i32::MAX)),
                _ if def.seconds => (0, flowlog::MAX_SECONDS),
                _ => (0, i64::MAX),
            });
            prop_oneof![
                1 => Just(Value::Int(None)),
                6 => (lo..=hi).prop_map(|v| Value::Int(Some(v))),
            ]
            .boxed()
        }
    }
}

/// A format (a random non-empty subset of one kind's fields, in random order) and rows.
fn records() -> impl Strategy<Value = (Vec<&'static FieldDef>, Vec<Vec<Value>>)> {
    prop_oneof![Just(RecordKind::Vpc), Just(RecordKind::TransitGateway)]
        .prop_flat_map(|kind| {
            let fields = kind.fields();
            proptest::sample::subsequence(fields.iter().collect::<Vec<_>>(), 1..=fields.len())
                .prop_shuffle()
                .prop_filter(
                    "a transit gateway format names a TGW-only field",
                    move |f| RecordKind::of_names(f.iter().map(|d| d.name)) == kind,
                )
        })
        .prop_flat_map(|format| {
            let row: Vec<BoxedStrategy<Value>> = format.iter().map(|d| value(d)).collect();
            (Just(format), proptest::collection::vec(row, 1..40))
        })
}

fn separator() -> impl Strategy<Value = String> {
    prop_oneof![Just(" ".to_string()), "[ \t]{1,4}"]
}

fn cell(batch: &RecordBatch, def: &FieldDef, row: usize) -> Value {
    let col = batch.column(def.id);
    match def.ty {
        FieldType::Utf8 => Value::Str(
            col.is_valid(row)
                .then(|| col.as_string::<i32>().value(row).to_string()),
        ),
        FieldType::Int32 => Value::Int(
            col.is_valid(row)
                .then(|| i64::from(col.as_primitive::<Int32Type>().value(row))),
        ),
        FieldType::Int64 => Value::Int(
            col.is_valid(row)
                .then(|| col.as_primitive::<Int64Type>().value(row)),
        ),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn valid_records_decode_back_to_their_values(
        (format, rows) in records(),
        seps in proptest::collection::vec(separator(), 64),
        crlf in any::<bool>(),
        header in any::<bool>(),
        cut in proptest::collection::vec(1usize..300, 1..20),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let names: Vec<&str> = format.iter().map(|d| d.name).collect();
        let mut text = String::new();
        if header {
            text.push_str(&names.join(" "));
            text.push_str(eol);
        }
        for (r, row) in rows.iter().enumerate() {
            if r % 3 == 1 {
                text.push_str(&seps[r % seps.len()]);
            }
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    text.push_str(&seps[(r + i) % seps.len()]);
                }
                match v {
                    Value::Int(Some(n)) => text.push_str(&n.to_string()),
                    Value::Str(Some(s)) => text.push_str(s),
                    _ => text.push('-'),
                }
            }
            text.push_str(eol);
        }
        let given = Format::from_names(names.iter().copied()).unwrap();
        prop_assert_eq!(given.kind(), RecordKind::of_names(names.iter().copied()));
        let mut d = Decoder::with_batch_size((!header).then_some(given), 7);
        d.set_strict_start(true);
        // Fed in random chunks: lines span chunks.
        let bytes = text.as_bytes();
        let mut at = 0;
        let mut i = 0;
        while at < bytes.len() {
            let n = cut[i % cut.len()].min(bytes.len() - at);
            d.decode(&bytes[at..at + n]);
            at += n;
            i += 1;
        }
        d.finish();
        prop_assert!(d.not_flow_log().is_none());
        prop_assert_eq!(d.take_rejects(), vec![]);
        prop_assert_eq!(d.consumed_bytes(), bytes.len() as u64);
        let mut batches = Vec::new();
        while let Some(b) = d.next_batch() {
            batches.push(b);
        }
        let decoded: Vec<(usize, &RecordBatch)> = batches
            .iter()
            .flat_map(|b| (0..b.num_rows()).map(move |r| (r, b)))
            .collect();
        prop_assert_eq!(decoded.len(), rows.len());
        for ((r, batch), row) in decoded.iter().zip(&rows) {
            prop_assert_eq!(RecordKind::of(&batch.schema()), Some(given_kind(&format)));
            for (def, want) in format.iter().zip(row) {
                let got = cell(batch, def, *r);
                prop_assert!(same(&got, want), "{}: {:?} != {:?}", def.name, got, want);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_every_line_is_accounted_for(
        bytes in proptest::collection::vec(any::<u8>(), 0..4000),
        text in "[ -~\t\n]{0,2000}",
        cut in proptest::collection::vec(1usize..500, 1..10),
        max_line in 1024usize..4096,
        format in proptest::option::of(prop_oneof![
            Just("srcaddr dstaddr bytes"),
            Just("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"),
            Just("tgw-id srcaddr packets-lost-blackhole start"),
        ]),
    ) {
        for input in [bytes.as_slice(), text.as_bytes()] {
            let mut d = Decoder::with_batch_size(format.map(|f| Format::parse(f).unwrap()), 5);
            d.set_max_line(max_line);
            let mut at = 0;
            let mut i = 0;
            while at < input.len() {
                let n = cut[i % cut.len()].min(input.len() - at);
                d.decode(&input[at..at + n]);
                at += n;
                i += 1;
            }
            d.finish();
            let stats = d.stats();
            prop_assert!(d.consumed_bytes() <= input.len() as u64);
            if d.not_flow_log().is_none() {
                // Every line is a record, a reject, a header or a skipped line.
                let newlines = memchr::memchr_iter(b'\n', input).count() as u64;
                let last = u64::from(!input.is_empty() && input.last() != Some(&b'\n'));
                prop_assert_eq!(stats.lines, newlines + last);
                prop_assert_eq!(
                    stats.records + stats.rejected + stats.headers + stats.skipped,
                    stats.lines
                );
            }
            let mut rows = 0;
            while let Some(b) = d.next_batch() {
                rows += b.num_rows() as u64;
            }
            prop_assert_eq!(rows, stats.records);
        }
    }
}

fn given_kind(format: &[&'static FieldDef]) -> RecordKind {
    RecordKind::of_names(format.iter().map(|d| d.name))
}
