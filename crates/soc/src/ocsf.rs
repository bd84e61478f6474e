//! Flow logs as OCSF Network Activity (class 4001), the way Amazon Security Lake stores its
//! VPC flow source, in the layout of a Security Lake custom source.
//!
//! The mapping (spec §6; OCSF 1.1.0 `network_activity`):
//!
//! | flow-log field | OCSF |
//! |---|---|
//! | `action` ACCEPT / REJECT | `activity_id` 6 Traffic / 5 Refuse, `action_id` 1 Allowed / 2 Denied, `disposition_id` 1 Allowed / 2 Blocked (0 Unknown for NODATA/SKIPDATA records) |
//! | `srcaddr`, `srcport` | `src_endpoint.ip`, `.port`; the `pkt-srcaddr` when it differs, `srcaddr` then in `src_endpoint.intermediate_ips` |
//! | `dstaddr`, `dstport` | `dst_endpoint.*`, likewise |
//! | `interface-id`, `vpc-id`, `subnet-id`, `instance-id` | `*_uid` of the endpoint that is the interface: `dst_endpoint` for ingress records, `src_endpoint` otherwise |
//! | `pkt-src/dst-aws-service` | `src/dst_endpoint.svc_name` |
//! | `protocol`, `tcp-flags`, `type` | `connection_info.protocol_num`, `.tcp_flags`, `.protocol_ver` |
//! | `flow-direction` | `connection_info.direction_id` 1 Inbound / 2 Outbound |
//! | `traffic-path` 1..8 | `connection_info.boundary_id` 4..11 (Same VPC ... Internet Gateway) |
//! | `packets`, `bytes` | `traffic.packets`, `.bytes` |
//! | `start`, `end` | `start_time`, `end_time` (milliseconds); `time` = `start_time` |
//! | `log-status` | `status_code` |
//! | `account-id`, `region`, `az-id` | `cloud.account.uid`, `cloud.region`, `cloud.zone` |
//! | `version` | `metadata.product.version` |
//! | the other fields (ECS, tags, next hop, reject reason, ...) | `unmapped`, by AWS field name |
//!
//! Files: `ext/<source>/region=<r>/accountId=<a>/eventDay=<YYYYMMDD>/<uuid>.parquet`, zstd,
//! rows sorted by `time`, row groups of at most [`ROW_GROUP_ROWS`] rows and data pages of
//! at most 1 MiB. `eventDay` is the UTC day of `start`, as the lake's own day partition.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, MapBuilder, RecordBatch, StringArray, StringBuilder, StructArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// OCSF versions the export writes.
pub const VERSIONS: [&str; 2] = ["1.1.0", "1.5.0"];

/// The default custom-source name (Security Lake: 1 to 64 characters, letters, digits,
/// `-` and `_`).
pub const DEFAULT_SOURCE: &str = "flowlake_vpc_flow";

/// Partition columns of a Security Lake source, outermost first.
pub const PARTITION_COLUMNS: [&str; 3] = ["region", "accountId", "eventDay"];

/// Rows per row group (a few tens of MB uncompressed at most).
pub const ROW_GROUP_ROWS: usize = 131_072;

/// Data page size limit, bytes.
pub const PAGE_BYTES: usize = 1024 * 1024;

/// Flow-log fields without an OCSF attribute, kept in `unmapped` under their AWS names.
pub use flowlake_query::ocsf::UNMAPPED;

/// `traffic-path` (1..8) as OCSF's `connection_info.boundary` (ids 4..11).
const BOUNDARIES: [&str; 8] = [
    "Same VPC",
    "Internet/VPC Gateway",
    "Virtual Private Gateway",
    "Intra-region VPC",
    "Inter-region VPC",
    "Local Gateway",
    "Gateway VPC",
    "Internet Gateway",
];

/// The SELECT over `vpc_flow_logs` that gives OCSF Network Activity rows of `version`,
/// plus `_unmapped` (a struct of the [`UNMAPPED`] fields, made a map by [`finish`]) and the
/// partition values `_region`, `_account`, `_day`. `filter` is a WHERE condition.
pub fn select_sql(version: &str, filter: &str) -> String {
    let boundary = BOUNDARIES
        .iter()
        .enumerate()
        .map(|(i, b)| format!("WHEN {} THEN '{b}'", i + 1))
        .collect::<Vec<_>>()
        .join(" ");
    let unmapped = UNMAPPED
        .iter()
        .map(|(c, name)| format!("'{name}', CAST({c} AS VARCHAR)"))
        .collect::<Vec<_>>()
        .join(", ");
    // The interface's own attributes go on the endpoint that is the interface.
    let endpoint = |side: &str, addr: &str, port: &str, pkt: &str, svc: &str| {
        let is_eni = if side == "src" {
            "flow_direction IS DISTINCT FROM 'ingress'"
        } else {
            "flow_direction = 'ingress'"
        };
        format!(
            "named_struct(\
               'ip', coalesce({pkt}, {addr}), \
               'port', {port}, \
               'intermediate_ips', CASE WHEN {pkt} IS NOT NULL AND {pkt} <> {addr} THEN make_array({addr}) END, \
               'svc_name', {svc}, \
               'interface_uid', CASE WHEN {is_eni} THEN interface_id END, \
               'vpc_uid', CASE WHEN {is_eni} THEN vpc_id END, \
               'subnet_uid', CASE WHEN {is_eni} THEN subnet_id END, \
               'instance_uid', CASE WHEN {is_eni} THEN instance_id END) AS {side}_endpoint"
        )
    };
    let src = endpoint(
        "src",
        "srcaddr",
        "srcport",
        "pkt_srcaddr",
        "pkt_src_aws_service",
    );
    let dst = endpoint(
        "dst",
        "dstaddr",
        "dstport",
        "pkt_dstaddr",
        "pkt_dst_aws_service",
    );
    format!(
        "SELECT \
           named_struct(\
             'product', named_struct('name', 'Amazon VPC', 'vendor_name', 'AWS', \
                                     'feature', named_struct('name', 'Flowlogs'), \
                                     'version', CAST(\"version\" AS VARCHAR)), \
             'profiles', make_array('cloud', 'security_control'), \
             'version', '{version}') AS metadata, \
           named_struct('provider', 'AWS', \
                        'region', coalesce(region, \"aws-region\"), \
                        'zone', az_id, \
                        'account', named_struct('uid', coalesce(account_id, \"aws-account-id\"))) AS cloud, \
           {src}, \
           {dst}, \
           named_struct(\
             'protocol_num', protocol, \
             'tcp_flags', tcp_flags, \
             'protocol_ver', \"type\", \
             'boundary_id', CASE WHEN traffic_path BETWEEN 1 AND 8 THEN traffic_path + 3 \
                                 WHEN traffic_path IS NOT NULL THEN 99 ELSE 0 END, \
             'boundary', CASE WHEN traffic_path IS NULL THEN 'Unknown' \
                              WHEN traffic_path BETWEEN 1 AND 8 THEN CASE traffic_path {boundary} END \
                              ELSE 'Other' END, \
             'direction_id', CASE flow_direction WHEN 'ingress' THEN 1 WHEN 'egress' THEN 2 ELSE 0 END, \
             'direction', CASE flow_direction WHEN 'ingress' THEN 'Inbound' WHEN 'egress' THEN 'Outbound' \
                                ELSE 'Unknown' END) AS connection_info, \
           named_struct('packets', packets, 'bytes', bytes) AS traffic, \
           CAST(\"start\" AS BIGINT) * 1000 AS start_time, \
           CAST(\"end\" AS BIGINT) * 1000 AS end_time, \
           CAST(coalesce(\"start\", \"end\", \
                         to_unixtime(concat(\"year\", '-', \"month\", '-', \"day\"))) AS BIGINT) * 1000 AS time, \
           log_status AS status_code, \
           CAST(CASE action WHEN 'ACCEPT' THEN 6 WHEN 'REJECT' THEN 5 ELSE 0 END AS INT) AS activity_id, \
           CASE action WHEN 'ACCEPT' THEN 'Traffic' WHEN 'REJECT' THEN 'Refuse' ELSE 'Unknown' END AS activity_name, \
           CAST(4 AS INT) AS category_uid, \
           'Network Activity' AS category_name, \
           CAST(4001 AS INT) AS class_uid, \
           'Network Activity' AS class_name, \
           CAST(400100 + CASE action WHEN 'ACCEPT' THEN 6 WHEN 'REJECT' THEN 5 ELSE 0 END AS BIGINT) AS type_uid, \
           CASE action WHEN 'ACCEPT' THEN 'Network Activity: Traffic' \
                       WHEN 'REJECT' THEN 'Network Activity: Refuse' \
                       ELSE 'Network Activity: Unknown' END AS type_name, \
           CAST(CASE action WHEN 'ACCEPT' THEN 1 WHEN 'REJECT' THEN 2 ELSE 0 END AS INT) AS action_id, \
           CASE action WHEN 'ACCEPT' THEN 'Allowed' WHEN 'REJECT' THEN 'Denied' ELSE 'Unknown' END AS action, \
           CAST(CASE action WHEN 'ACCEPT' THEN 1 WHEN 'REJECT' THEN 2 ELSE 0 END AS INT) AS disposition_id, \
           CASE action WHEN 'ACCEPT' THEN 'Allowed' WHEN 'REJECT' THEN 'Blocked' ELSE 'Unknown' END AS disposition, \
           CAST(1 AS INT) AS severity_id, \
           'Informational' AS severity, \
           named_struct({unmapped}) AS _unmapped, \
           coalesce(\"aws-region\", region) AS _region, \
           \"aws-account-id\" AS _account, \
           concat(\"year\", \"month\", \"day\") AS _day \
         FROM vpc_flow_logs \
         WHERE {filter}"
    )
}

/// The schema of the files: the columns of [`select_sql`] with `_unmapped` a
/// `map<string,string>` named `unmapped`, and without the partition helpers.
///
/// Strings are plain UTF-8 (`Utf8`), not the engine's string views, so every Parquet reader
/// (and Delta's schema) sees ordinary `string`s.
pub fn file_schema(selected: &Schema) -> SchemaRef {
    let fields: Vec<Field> = selected
        .fields()
        .iter()
        .filter(|f| !matches!(f.name().as_str(), "_region" | "_account" | "_day"))
        .map(|f| {
            if f.name() == "_unmapped" {
                unmapped_field()
            } else {
                plain(f)
            }
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// `field` with string views made `Utf8`, at any depth.
fn plain(field: &Field) -> Field {
    let ty = match field.data_type() {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::Struct(children) => DataType::Struct(
            children
                .iter()
                .map(|c| Arc::new(plain(c)))
                .collect::<Vec<_>>()
                .into(),
        ),
        DataType::List(item) => DataType::List(Arc::new(plain(item))),
        other => other.clone(),
    };
    field.clone().with_data_type(ty)
}

fn unmapped_field() -> Field {
    let builder = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    let mut b = builder;
    let array = b.finish();
    Field::new("unmapped", array.data_type().clone(), true)
}

/// A batch of [`select_sql`] as written: `_unmapped` made a map of its non-NULL fields,
/// the partition helpers dropped.
pub fn finish(batch: &RecordBatch, schema: &SchemaRef) -> datafusion::error::Result<RecordBatch> {
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        match field.name().as_str() {
            "_region" | "_account" | "_day" => {}
            "_unmapped" => {
                let s = column
                    .as_any()
                    .downcast_ref::<StructArray>()
                    .expect("_unmapped is a struct");
                let mut b = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
                let children: Vec<ArrayRef> = s
                    .columns()
                    .iter()
                    .map(|c| cast(c, &DataType::Utf8))
                    .collect::<Result<_, _>>()?;
                let children: Vec<&StringArray> = children
                    .iter()
                    .map(|c| {
                        c.as_any()
                            .downcast_ref::<StringArray>()
                            .expect("cast to Utf8")
                    })
                    .collect();
                let names: Vec<&str> = UNMAPPED.iter().map(|(_, n)| *n).collect();
                for row in 0..s.len() {
                    for (name, child) in names.iter().zip(&children) {
                        if child.is_valid(row) {
                            b.keys().append_value(name);
                            b.values().append_value(child.value(row));
                        }
                    }
                    b.append(true)?;
                }
                columns.push(Arc::new(b.finish()));
            }
            name => {
                let target = schema.field_with_name(name)?.data_type();
                columns.push(if column.data_type() == target {
                    Arc::clone(column)
                } else {
                    cast(column, target)?
                });
            }
        }
    }
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}
