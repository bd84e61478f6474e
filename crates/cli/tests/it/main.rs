//! End-to-end tests of the `flowlake` binary: one test binary, modules per command.

mod compact;
mod convert;
mod crash;
mod hunt;
mod investigate;
mod log;
mod segmentation;
mod soc;
mod sources;
mod sql;
mod torture;
mod util;
