//! The query side of flowlake: a DataFusion session over a converted lake, with the table
//! `vpc_flow_logs` (all 54 columns plus AWS's partition columns) and the functions Athena
//! users write (see [`udf`]).
//!
//! ```no_run
//! # async fn example() -> flowlake_query::Result<()> {
//! let ctx = flowlake_query::session();
//! flowlake_query::register_lake(&ctx, std::path::Path::new("lake")).await?;
//! let df = ctx.sql("SELECT srcaddr, count(*) FROM vpc_flow_logs GROUP BY srcaddr").await?;
//! df.show().await?;
//! # Ok(())
//! # }
//! ```

mod error;
mod lake;
pub mod udf;

pub use error::{QueryError, Result};
pub use lake::{PARTITION_COLUMNS, TABLE, register_lake, session};
