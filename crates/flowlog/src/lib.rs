//! The VPC Flow Log record: its 54 fields, its formats, and a fast decoder from text to
//! Arrow.
//!
//! This crate does no I/O: it turns bytes into [`RecordBatch`](arrow_array::RecordBatch)es
//! with the canonical [`schema`] (every field, in AWS's order, with the Parquet types AWS's
//! own Parquet delivery uses), so batches from files of different formats line up.
//!
//! ```
//! use flowlog::{Decoder, Format};
//!
//! let format = Format::parse("${srcaddr} ${dstaddr} ${bytes}").unwrap();
//! let mut decoder = Decoder::new(Some(format));
//! decoder.decode(b"10.0.0.1 10.0.0.2 840\n10.0.0.2 10.0.0.1 twelve\n");
//! decoder.finish();
//! assert_eq!(decoder.next_batch().unwrap().num_rows(), 1);
//! let rejects = decoder.take_rejects();
//! assert_eq!(rejects[0].to_string(), "line 2: field `bytes`: `twelve` is not an integer");
//! ```

mod decoder;
mod error;
mod format;
mod schema;

pub use decoder::{
    DEFAULT_BATCH_SIZE, DEFAULT_MAX_LINE, DecodeStats, Decoder, MAX_SECONDS, Notice, line_hash,
};
pub use error::{FormatError, MAX_RAW_LEN, Reject, RejectReason};
pub use format::Format;
pub use schema::{
    DEFAULT_FORMAT, FIELD_COUNT, FIELDS, FieldDef, FieldType, RecordKind, TGW_FIELDS, col,
    field_by_name, null_array, schema,
};
