//! Reading an OCSF lake (`flowlake export ocsf`'s output, a Security Lake custom source's
//! layout): its Network Activity rows as the flow-log columns of `vpc_flow_logs`, so the
//! hunts and any query written for a converted lake run on it unchanged.
//!
//! The table `ocsf_network_activity` holds the files of the table log's latest snapshot;
//! `vpc_flow_logs` is a view over it that undoes the mapping of the export (see
//! `flowlake_soc::ocsf`). What the mapping cannot keep is told in docs/soc.md: a record's
//! `pkt-srcaddr` is `srcaddr` when the record had none.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::SessionContext;
use flowlake_store::{Location, Opened};

use crate::error::{QueryError, Result};
use crate::window::TimeWindow;

/// The folder of an OCSF lake's sources: `ext/<source>/`.
pub const EXT_DIR: &str = "ext";

/// The table of the OCSF rows.
pub const OCSF_TABLE: &str = "ocsf_network_activity";

/// Flow-log fields without an OCSF attribute, kept in `unmapped` under their AWS names:
/// (column, AWS field name).
pub const UNMAPPED: [(&str, &str); 27] = [
    ("sublocation_type", "sublocation-type"),
    ("sublocation_id", "sublocation-id"),
    ("ecs_cluster_arn", "ecs-cluster-arn"),
    ("ecs_cluster_name", "ecs-cluster-name"),
    ("ecs_container_instance_arn", "ecs-container-instance-arn"),
    ("ecs_container_instance_id", "ecs-container-instance-id"),
    ("ecs_container_id", "ecs-container-id"),
    ("ecs_second_container_id", "ecs-second-container-id"),
    ("ecs_service_name", "ecs-service-name"),
    ("ecs_task_definition_arn", "ecs-task-definition-arn"),
    ("ecs_task_arn", "ecs-task-arn"),
    ("ecs_task_id", "ecs-task-id"),
    ("reject_reason", "reject-reason"),
    ("resource_id", "resource-id"),
    ("encryption_status", "encryption-status"),
    ("instance_tag", "instance-tag"),
    ("instance_tag_2", "instance-tag-2"),
    ("interface_tag", "interface-tag"),
    ("interface_tag_2", "interface-tag-2"),
    ("asg_tag", "asg-tag"),
    ("asg_tag_2", "asg-tag-2"),
    ("interface_type", "interface-type"),
    ("next_hop_interface_id", "next-hop-interface-id"),
    ("next_hop_subnet_id", "next-hop-subnet-id"),
    ("next_hop_az_id", "next-hop-az-id"),
    ("next_hop_vpc_id", "next-hop-vpc-id"),
    ("next_hop_interface_type", "next-hop-interface-type"),
];

/// The table root of the OCSF lake at `opened`, if it is one: `ext/<source>/` with a table
/// log (exactly one source), or the source folder itself. `Err` when `ext/` holds several
/// sources: the user picks one.
pub async fn find_source(opened: &Opened) -> Result<Option<Opened>> {
    // Storage errors explained as everywhere (no bucket, denied, unknown key).
    let location = opened.location.to_string();
    let store_err = |e: flowlake_store::object_store::Error| {
        QueryError::Store(flowlake_store::explain(&e, &location))
    };
    let has_log = |o: &Opened| {
        let log = o.prefix.clone().join("_delta_log");
        let store = Arc::clone(&o.store);
        async move {
            store
                .list_with_delimiter(Some(&log))
                .await
                .map(|l| !l.objects.is_empty())
        }
    };
    if opened
        .location
        .to_string()
        .trim_end_matches('/')
        .rsplit('/')
        .nth(1)
        == Some(EXT_DIR)
        && has_log(opened).await.map_err(store_err)?
    {
        return Ok(Some(opened.clone()));
    }
    let ext = opened.prefix.clone().join(EXT_DIR);
    let listing = opened
        .store
        .list_with_delimiter(Some(&ext))
        .await
        .map_err(store_err)?;
    let mut sources = Vec::new();
    for dir in &listing.common_prefixes {
        let Some(name) = dir.filename() else { continue };
        if name.starts_with(['_', '.']) {
            continue;
        }
        let child = opened.child(EXT_DIR).child(name);
        if has_log(&child).await.map_err(store_err)? {
            sources.push((name.to_string(), child));
        }
    }
    match sources.len() {
        0 => Ok(None),
        1 => Ok(sources.pop().map(|(_, o)| o)),
        _ => Err(QueryError::Store(format!(
            "{}: an OCSF lake with several sources ({}): pass one as --lake {}/ext/<source>",
            opened.location,
            sources
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            opened.location
        ))),
    }
}

/// The SQL type of a flow-log column.
fn sql_type(ty: &DataType) -> &'static str {
    match ty {
        DataType::Int32 => "INT",
        DataType::Int64 => "BIGINT",
        _ => "VARCHAR",
    }
}

/// The expression of a flow-log column over the OCSF rows.
fn column_expr(column: &str) -> String {
    let either = |f: &str| format!("coalesce(src_endpoint.{f}, dst_endpoint.{f})");
    match column {
        "version" => "metadata.product.version".into(),
        "account_id" => "cloud.account.uid".into(),
        "interface_id" => either("interface_uid"),
        "vpc_id" => either("vpc_uid"),
        "subnet_id" => either("subnet_uid"),
        "instance_id" => either("instance_uid"),
        "srcaddr" => "coalesce(src_endpoint.intermediate_ips[1], src_endpoint.ip)".into(),
        "dstaddr" => "coalesce(dst_endpoint.intermediate_ips[1], dst_endpoint.ip)".into(),
        "pkt_srcaddr" => "src_endpoint.ip".into(),
        "pkt_dstaddr" => "dst_endpoint.ip".into(),
        "srcport" => "src_endpoint.port".into(),
        "dstport" => "dst_endpoint.port".into(),
        "protocol" => "connection_info.protocol_num".into(),
        "tcp_flags" => "connection_info.tcp_flags".into(),
        "type" => "connection_info.protocol_ver".into(),
        "packets" => "traffic.packets".into(),
        "bytes" => "traffic.bytes".into(),
        "start" => "start_time / 1000".into(),
        "end" => "end_time / 1000".into(),
        "action" => "CASE activity_id WHEN 6 THEN 'ACCEPT' WHEN 5 THEN 'REJECT' END".into(),
        "log_status" => "status_code".into(),
        "region" => "cloud.region".into(),
        "az_id" => "cloud.zone".into(),
        "pkt_src_aws_service" => "src_endpoint.svc_name".into(),
        "pkt_dst_aws_service" => "dst_endpoint.svc_name".into(),
        "flow_direction" => {
            "CASE connection_info.direction_id WHEN 1 THEN 'ingress' WHEN 2 THEN 'egress' END"
                .into()
        }
        "traffic_path" => "CASE WHEN connection_info.boundary_id BETWEEN 4 AND 11 \
                           THEN connection_info.boundary_id - 3 END"
            .into(),
        other => match UNMAPPED.iter().find(|(c, _)| *c == other) {
            Some((_, name)) => format!("unmapped['{name}']"),
            None => "NULL".into(),
        },
    }
}

/// The view `vpc_flow_logs` over [`OCSF_TABLE`]: every flow-log column, then the
/// partition columns of a converted lake, limited to `window`.
pub fn flow_view_sql(window: &TimeWindow) -> String {
    let mut columns: Vec<String> = flowlog::schema()
        .fields()
        .iter()
        .map(|f| {
            format!(
                "CAST({} AS {}) AS \"{}\"",
                column_expr(f.name()),
                sql_type(f.data_type()),
                f.name()
            )
        })
        .collect();
    let day = |fmt: &str| format!("to_char(to_timestamp_millis(start_time), '{fmt}')");
    columns.push("cloud.account.uid AS \"aws-account-id\"".into());
    columns.push("'vpcflowlogs' AS \"aws-service\"".into());
    columns.push("cloud.region AS \"aws-region\"".into());
    columns.push(format!("{} AS \"year\"", day("%Y")));
    columns.push(format!("{} AS \"month\"", day("%m")));
    columns.push(format!("{} AS \"day\"", day("%d")));
    let mut conditions = vec!["TRUE".to_string()];
    if let Some(s) = window.since {
        conditions.push(format!("start_time >= {}", s * 1000));
    }
    if let Some(u) = window.until {
        conditions.push(format!("start_time < {}", u * 1000));
    }
    format!(
        "SELECT {} FROM {OCSF_TABLE} WHERE {}",
        columns.join(", "),
        conditions.join(" AND ")
    )
}

/// Register [`OCSF_TABLE`] over the snapshot of the OCSF source at `source` and the view
/// `vpc_flow_logs` over it. Returns the accounts and regions the snapshot holds.
pub async fn register(
    ctx: &SessionContext,
    source: &Opened,
    window: &TimeWindow,
) -> Result<crate::LakeInfo> {
    let table = flowlake_table::export::ExportTable::open(source)
        .await
        .map_err(|e| QueryError::Store(e.to_string()))?
        .ok_or_else(|| QueryError::NotALake(source.location.to_string()))?;
    let files = table
        .files()
        .map_err(|e| QueryError::Store(e.to_string()))?;
    let (store_url, base) = match &source.location {
        Location::S3 { bucket, .. } => (
            format!("s3://{bucket}"),
            format!("s3://{bucket}/{}", source.prefix),
        ),
        Location::Local(_) => ("file://".to_string(), format!("/{}", source.prefix)),
    };
    let store_url = datafusion::execution::object_store::ObjectStoreUrl::parse(store_url)?;
    ctx.runtime_env()
        .register_object_store(store_url.as_ref(), Arc::clone(&source.store));
    let urls = files
        .iter()
        .map(|f| ListingTableUrl::parse(format!("{base}/{}", f.path)))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if urls.is_empty() {
        return Err(QueryError::Store(format!(
            "{}: an OCSF lake with no data yet; fill it with `flowlake export ocsf --lake LAKE --out ...` or `flowlake convert INPUT --out ... --out-format ocsf`",
            source.location
        )));
    }
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .infer_schema(&ctx.state())
        .await?;
    ctx.deregister_table(OCSF_TABLE)?;
    ctx.register_table(OCSF_TABLE, Arc::new(ListingTable::try_new(config)?))?;
    let view = ctx.sql(&flow_view_sql(window)).await?.into_view();
    ctx.deregister_table(crate::lake::TABLE)?;
    ctx.register_table(crate::lake::TABLE, view)?;
    let mut info = crate::LakeInfo::default();
    for f in &files {
        // Partition values: region, accountId, eventDay.
        if let Some(Some(r)) = f.partition.first()
            && !info.regions.contains(r)
        {
            info.regions.push(r.clone());
        }
        if let Some(Some(a)) = f.partition.get(1)
            && !info.accounts.contains(a)
        {
            info.accounts.push(a.clone());
        }
    }
    info.accounts.sort();
    info.regions.sort();
    Ok(info)
}
