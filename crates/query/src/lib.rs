//! The query side of flowlake: a DataFusion session over a converted lake, with the table
//! `vpc_flow_logs` (all 54 columns plus AWS's partition columns) and the functions Athena
//! users write (see [`udf`]).
//!
//! ```no_run
//! # async fn example() -> flowlake_query::Result<()> {
//! let ctx = flowlake_query::session()?;
//! let window = flowlake_query::TimeWindow::default();
//! flowlake_query::register_lake(&ctx, std::path::Path::new("lake"), &window).await?;
//! let df = ctx.sql("SELECT srcaddr, count(*) FROM vpc_flow_logs GROUP BY srcaddr").await?;
//! df.show().await?;
//! # Ok(())
//! # }
//! ```

pub mod athena;
mod error;
pub mod hunt;
pub mod inventory;
pub mod ioc;
mod lake;
mod message;
pub mod ocsf;
mod prune;
pub mod segmentation;
mod snapshot;
pub mod udf;
mod window;

pub use error::{QueryError, Result};
pub use flowlake_store::{Location, S3Options};
pub use hunt::{Hunt, Library, Severity};
pub use lake::{
    LakeInfo, PARTITION_COLUMNS, TABLE, TGW_TABLE, inspect, inspect_table, register_lake,
    register_lake_with, session,
};
pub use message::{describe as describe_error, describe_at as describe_error_at};
pub use window::{Bound, TimeWindow, parse_bound, window_warning};
