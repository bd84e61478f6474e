//! What leaves a flowlake lake for the rest of a security stack:
//!
//! - [`findings`]: detection rows as OCSF Detection Findings (class 2004) and as AWS
//!   Security Finding Format (ASFF) findings for Security Hub's `BatchImportFindings`, with
//!   ids that stay the same for the same evidence;
//! - [`ocsf`] and [`export`]: flow logs as OCSF Network Activity (class 4001) in a Security
//!   Lake custom source's layout;
//! - [`report`]: the self-contained HTML report;
//! - [`attack`]: the MITRE ATT&CK names and tactics of the techniques hunts cite.

pub mod attack;
pub mod export;
pub mod findings;
pub mod ocsf;
pub mod report;
