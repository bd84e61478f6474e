//! `flowlake ddl athena`.

use anyhow::{Result, bail};
use flowlake_query::athena::{DdlOptions, create_delta_table, create_table};
use flowlog::RecordKind;

use crate::Outcome;
use crate::args::{DdlAthenaArgs, DdlCommand, Partition, TableType};

pub fn run(cmd: DdlCommand) -> Result<Outcome> {
    let DdlCommand::Athena(a) = cmd;
    print!("{}", athena(&a)?);
    Ok(Outcome::Success)
}

fn athena(a: &DdlAthenaArgs) -> Result<String> {
    if !a.location.starts_with("s3://") {
        bail!(
            "--location must be an s3:// URI (the prefix holding AWSLogs/), not {:?}",
            a.location
        );
    }
    let kind = if a.tgw {
        RecordKind::TransitGateway
    } else {
        RecordKind::Vpc
    };
    if a.table_type == TableType::Delta {
        if a.lake.is_some()
            || !a.accounts.is_empty()
            || !a.regions.is_empty()
            || a.partition.is_some()
        {
            bail!(
                "--lake, --account, --region and --partition are for the Hive table (--table-type hive); the Delta table reads them from the lake's table log"
            );
        }
        return Ok(create_delta_table(&a.location, a.table.as_deref(), kind));
    }
    let info = match &a.lake {
        Some(lake) => {
            let lake = flowlake_query::Location::parse(lake)?;
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(flowlake_query::inspect_table(
                    &lake,
                    &flowlake_query::S3Options::default(),
                    kind,
                ))?
        }
        None => flowlake_query::LakeInfo::default(),
    };
    let merge = |mut from_lake: Vec<String>, flags: &[String]| {
        for f in flags {
            if !from_lake.contains(f) {
                from_lake.push(f.clone());
            }
        }
        from_lake
    };
    let accounts = merge(info.accounts, &a.accounts);
    let regions = merge(info.regions, &a.regions);
    if accounts.is_empty() || regions.is_empty() {
        bail!(
            "the table needs the accounts and regions to project: give --lake (the lake, a folder or s3://) or --account ID and --region REGION"
        );
    }
    let hour = match a.partition {
        Some(p) => p == Partition::Hour,
        None => info.hour,
    };
    Ok(create_table(&DdlOptions {
        location: a.location.clone(),
        accounts,
        regions,
        hour,
        table: a.table.clone(),
        kind,
    }))
}
