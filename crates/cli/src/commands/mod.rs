pub mod convert;
pub mod generate;
