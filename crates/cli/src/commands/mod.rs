pub mod compact;
pub mod convert;
pub mod ddl;
pub mod export;
pub mod generate;
pub mod hunt;
pub mod report;
pub mod sql;
