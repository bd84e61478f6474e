//! The 54 fields of a VPC Flow Log record, their versions and their Parquet types.

use std::sync::{Arc, LazyLock, Mutex};

use arrow_array::{Array, ArrayRef, new_null_array};

use arrow_schema::{DataType, Field, Schema, SchemaRef};

/// The physical type a field is stored as (Parquet INT32, INT64 or UTF8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Int32,
    Int64,
    Utf8,
}

impl FieldType {
    /// The Arrow type that maps to this field's Parquet type.
    pub fn data_type(self) -> DataType {
        match self {
            FieldType::Int32 => DataType::Int32,
            FieldType::Int64 => DataType::Int64,
            FieldType::Utf8 => DataType::Utf8,
        }
    }

    /// The type as Athena (Hive DDL) spells it.
    pub fn athena_type(self) -> &'static str {
        match self {
            FieldType::Int32 => "int",
            FieldType::Int64 => "bigint",
            FieldType::Utf8 => "string",
        }
    }
}

/// One flow-log field: its AWS name, the flow-log version that introduced it and its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    /// Position in the canonical (spec) order, 0-based; also the column index.
    pub id: usize,
    /// The AWS name, hyphenated (`log-status`).
    pub name: &'static str,
    /// The Parquet/Athena column name (`log_status`).
    pub column: &'static str,
    /// The flow-log version that introduced the field.
    pub version: u8,
    pub ty: FieldType,
    /// Inclusive range a numeric value must fall in, where the field has a narrower
    /// domain than its type (ports, protocol numbers).
    pub range: Option<(i64, i64)>,
    /// `start` or `end`: Unix seconds (milliseconds, as some tools write them, are
    /// divided by 1000).
    pub seconds: bool,
}

const fn is_time(name: &str) -> bool {
    let n = name.as_bytes();
    matches!(n, b"start" | b"end")
}

macro_rules! fields {
    ($(#[$doc:meta])* $table:ident; $( $name:literal, $column:literal, $version:literal, $ty:ident $(, $lo:literal ..= $hi:literal)? ;)*) => {
        $(#[$doc])*
        pub const $table: &[FieldDef] = &fields!(@defs 0usize; []; $( $name, $column, $version, $ty $(, $lo, $hi)? ;)*);
    };
    (@defs $i:expr; [$($done:expr,)*]; $name:literal, $column:literal, $version:literal, $ty:ident $(, $lo:literal, $hi:literal)? ; $($rest:tt)*) => {
        fields!(@defs $i + 1; [$($done,)* FieldDef {
            id: $i, name: $name, column: $column, version: $version, ty: FieldType::$ty,
            range: fields!(@range $($lo, $hi)?),
            seconds: is_time($name),
        },]; $($rest)*)
    };
    (@defs $i:expr; [$($done:expr,)*];) => { [$($done,)*] };
    (@range $lo:literal, $hi:literal) => { Some(($lo, $hi)) };
    (@range) => { None };
}

fields! {
    /// Every VPC flow-log field in canonical order. The column order of every Parquet file
    /// flowlake writes for `vpc_flow_logs` follows this table.
    FIELDS;
    "version", "version", 2, Int32;
    "account-id", "account_id", 2, Utf8;
    "interface-id", "interface_id", 2, Utf8;
    "srcaddr", "srcaddr", 2, Utf8;
    "dstaddr", "dstaddr", 2, Utf8;
    "srcport", "srcport", 2, Int32, 0 ..= 65535;
    "dstport", "dstport", 2, Int32, 0 ..= 65535;
    "protocol", "protocol", 2, Int32, 0 ..= 255;
    "packets", "packets", 2, Int64;
    "bytes", "bytes", 2, Int64;
    "start", "start", 2, Int64;
    "end", "end", 2, Int64;
    "action", "action", 2, Utf8;
    "log-status", "log_status", 2, Utf8;
    "vpc-id", "vpc_id", 3, Utf8;
    "subnet-id", "subnet_id", 3, Utf8;
    "instance-id", "instance_id", 3, Utf8;
    "tcp-flags", "tcp_flags", 3, Int32;
    "type", "type", 3, Utf8;
    "pkt-srcaddr", "pkt_srcaddr", 3, Utf8;
    "pkt-dstaddr", "pkt_dstaddr", 3, Utf8;
    "region", "region", 4, Utf8;
    "az-id", "az_id", 4, Utf8;
    "sublocation-type", "sublocation_type", 4, Utf8;
    "sublocation-id", "sublocation_id", 4, Utf8;
    "pkt-src-aws-service", "pkt_src_aws_service", 5, Utf8;
    "pkt-dst-aws-service", "pkt_dst_aws_service", 5, Utf8;
    "flow-direction", "flow_direction", 5, Utf8;
    "traffic-path", "traffic_path", 5, Int32;
    "ecs-cluster-arn", "ecs_cluster_arn", 7, Utf8;
    "ecs-cluster-name", "ecs_cluster_name", 7, Utf8;
    "ecs-container-instance-arn", "ecs_container_instance_arn", 7, Utf8;
    "ecs-container-instance-id", "ecs_container_instance_id", 7, Utf8;
    "ecs-container-id", "ecs_container_id", 7, Utf8;
    "ecs-second-container-id", "ecs_second_container_id", 7, Utf8;
    "ecs-service-name", "ecs_service_name", 7, Utf8;
    "ecs-task-definition-arn", "ecs_task_definition_arn", 7, Utf8;
    "ecs-task-arn", "ecs_task_arn", 7, Utf8;
    "ecs-task-id", "ecs_task_id", 7, Utf8;
    "reject-reason", "reject_reason", 8, Utf8;
    "resource-id", "resource_id", 9, Utf8;
    "encryption-status", "encryption_status", 10, Int32;
    "instance-tag", "instance_tag", 11, Utf8;
    "instance-tag-2", "instance_tag_2", 11, Utf8;
    "interface-tag", "interface_tag", 11, Utf8;
    "interface-tag-2", "interface_tag_2", 11, Utf8;
    "asg-tag", "asg_tag", 11, Utf8;
    "asg-tag-2", "asg_tag_2", 11, Utf8;
    "interface-type", "interface_type", 11, Utf8;
    "next-hop-interface-id", "next_hop_interface_id", 11, Utf8;
    "next-hop-subnet-id", "next_hop_subnet_id", 11, Utf8;
    "next-hop-az-id", "next_hop_az_id", 11, Utf8;
    "next-hop-vpc-id", "next_hop_vpc_id", 11, Utf8;
    "next-hop-interface-type", "next_hop_interface_type", 11, Utf8;
}

fields! {
    /// Every Transit Gateway flow-log field, in AWS's order (the default TGW format, version
    /// 6), with the Parquet types of AWS's Parquet delivery. Source: Amazon VPC Transit
    /// Gateways guide, "Transit Gateway Flow Logs records", available fields. The columns
    /// of every `tgw_flow_logs` Parquet file follow this table.
    TGW_FIELDS;
    "version", "version", 6, Int32;
    "resource-type", "resource_type", 6, Utf8;
    "account-id", "account_id", 6, Utf8;
    "tgw-id", "tgw_id", 6, Utf8;
    "tgw-attachment-id", "tgw_attachment_id", 6, Utf8;
    "tgw-src-vpc-account-id", "tgw_src_vpc_account_id", 6, Utf8;
    "tgw-dst-vpc-account-id", "tgw_dst_vpc_account_id", 6, Utf8;
    "tgw-src-vpc-id", "tgw_src_vpc_id", 6, Utf8;
    "tgw-dst-vpc-id", "tgw_dst_vpc_id", 6, Utf8;
    "tgw-src-subnet-id", "tgw_src_subnet_id", 6, Utf8;
    "tgw-dst-subnet-id", "tgw_dst_subnet_id", 6, Utf8;
    "tgw-src-eni", "tgw_src_eni", 6, Utf8;
    "tgw-dst-eni", "tgw_dst_eni", 6, Utf8;
    "tgw-src-az-id", "tgw_src_az_id", 6, Utf8;
    "tgw-dst-az-id", "tgw_dst_az_id", 6, Utf8;
    "tgw-pair-attachment-id", "tgw_pair_attachment_id", 6, Utf8;
    "srcaddr", "srcaddr", 6, Utf8;
    "dstaddr", "dstaddr", 6, Utf8;
    "srcport", "srcport", 6, Int32, 0 ..= 65535;
    "dstport", "dstport", 6, Int32, 0 ..= 65535;
    "protocol", "protocol", 6, Int32, 0 ..= 255;
    "packets", "packets", 6, Int64;
    "bytes", "bytes", 6, Int64;
    "start", "start", 6, Int64;
    "end", "end", 6, Int64;
    "log-status", "log_status", 6, Utf8;
    "type", "type", 6, Utf8;
    "packets-lost-no-route", "packets_lost_no_route", 6, Int64;
    "packets-lost-blackhole", "packets_lost_blackhole", 6, Int64;
    "packets-lost-mtu-exceeded", "packets_lost_mtu_exceeded", 6, Int64;
    "packets-lost-ttl-expired", "packets_lost_ttl_expired", 6, Int64;
    "tcp-flags", "tcp_flags", 6, Int32;
    "region", "region", 6, Utf8;
    "flow-direction", "flow_direction", 6, Utf8;
    "pkt-src-aws-service", "pkt_src_aws_service", 6, Utf8;
    "pkt-dst-aws-service", "pkt_dst_aws_service", 6, Utf8;
}

/// Which flow log a record is from, and so which table it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum RecordKind {
    /// A VPC, subnet or network-interface flow log: `vpc_flow_logs`, [`FIELDS`].
    #[default]
    Vpc,
    /// A transit gateway (or attachment) flow log: `tgw_flow_logs`, [`TGW_FIELDS`].
    TransitGateway,
}

impl RecordKind {
    pub const ALL: [RecordKind; 2] = [RecordKind::Vpc, RecordKind::TransitGateway];

    /// The fields of a record of this kind, in column order.
    pub fn fields(self) -> &'static [FieldDef] {
        match self {
            RecordKind::Vpc => FIELDS,
            RecordKind::TransitGateway => TGW_FIELDS,
        }
    }

    /// The Arrow schema of this kind's table (all columns nullable).
    pub fn schema(self) -> SchemaRef {
        match self {
            RecordKind::Vpc => Arc::clone(&SCHEMA),
            RecordKind::TransitGateway => Arc::clone(&TGW_SCHEMA),
        }
    }

    /// The SQL table name: `vpc_flow_logs` or `tgw_flow_logs`.
    pub fn table_name(self) -> &'static str {
        match self {
            RecordKind::Vpc => "vpc_flow_logs",
            RecordKind::TransitGateway => "tgw_flow_logs",
        }
    }

    /// A field of this kind by name (any spelling, as [`field_by_name`]).
    pub fn field(self, name: &str) -> Option<&'static FieldDef> {
        let name = name
            .strip_prefix("${")
            .and_then(|n| n.strip_suffix('}'))
            .unwrap_or(name);
        self.fields()
            .iter()
            .find(|f| f.name == name || f.column == name)
    }

    /// The kind of a batch, from its schema; `None` for another schema.
    pub fn of(schema: &Schema) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.schema().fields() == schema.fields())
    }

    /// The kind a format's field names say: transit gateway when any of them is a field
    /// only transit-gateway flow logs have (`resource-type`, `tgw-*`, `packets-lost-*`).
    pub fn of_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let tgw_only = |n: &str| {
            RecordKind::TransitGateway.field(n).is_some() && RecordKind::Vpc.field(n).is_none()
        };
        if names.into_iter().any(tgw_only) {
            RecordKind::TransitGateway
        } else {
            RecordKind::Vpc
        }
    }
}

static TGW_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| arrow_schema(TGW_FIELDS));

/// Number of fields (and columns) in a canonical record.
pub const FIELD_COUNT: usize = FIELDS.len();

/// Column indices of the fields the converter and router read by position.
pub mod col {
    pub const VERSION: usize = 0;
    pub const ACCOUNT_ID: usize = 1;
    pub const INTERFACE_ID: usize = 2;
    pub const SRCADDR: usize = 3;
    pub const DSTADDR: usize = 4;
    pub const SRCPORT: usize = 5;
    pub const DSTPORT: usize = 6;
    pub const PROTOCOL: usize = 7;
    pub const PACKETS: usize = 8;
    pub const BYTES: usize = 9;
    pub const START: usize = 10;
    pub const END: usize = 11;
    pub const ACTION: usize = 12;
    pub const LOG_STATUS: usize = 13;
    pub const REGION: usize = 21;
}

/// The default (version 2) format, in AWS's order.
pub const DEFAULT_FORMAT: &[&str] = &[
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// Look a field up by name, accepting AWS's hyphenated spelling (`log-status`), the column
/// spelling (`log_status`) and the `${log-status}` form of a format string.
pub fn field_by_name(name: &str) -> Option<&'static FieldDef> {
    RecordKind::Vpc.field(name)
}

/// The Arrow schema of a field table: a nullable column per field, in order.
fn arrow_schema(fields: &[FieldDef]) -> SchemaRef {
    Arc::new(Schema::new(
        fields
            .iter()
            .map(|f| Field::new(f.column, f.ty.data_type(), true))
            .collect::<Vec<_>>(),
    ))
}

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| arrow_schema(FIELDS));

/// An all-NULL array of `ty` and `len` rows, sliced from one shared allocation.
///
/// Most of the 54 columns are NULL in any one format. Allocating zeroed buffers for each
/// of them in every batch costs more than decoding the rest; slices of one cached array
/// cost nothing.
pub fn null_array(ty: FieldType, len: usize) -> ArrayRef {
    static CACHE: LazyLock<Mutex<[Option<ArrayRef>; 3]>> = LazyLock::new(Mutex::default);
    let slot = match ty {
        FieldType::Int32 => 0,
        FieldType::Int64 => 1,
        FieldType::Utf8 => 2,
    };
    let mut cache = CACHE.lock().expect("lock");
    let cached = &mut cache[slot];
    if cached.as_ref().is_none_or(|a| a.len() < len) {
        *cached = Some(new_null_array(&ty.data_type(), len.next_power_of_two()));
    }
    cached.as_ref().expect("filled above").slice(0, len)
}

/// The canonical Arrow schema: all 54 columns, in spec order, all nullable.
pub fn schema() -> SchemaRef {
    Arc::clone(&SCHEMA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_spec() {
        assert_eq!(FIELD_COUNT, 54);
        for (i, f) in FIELDS.iter().enumerate() {
            assert_eq!(f.id, i);
            assert_eq!(f.column, f.name.replace('-', "_"), "{}", f.name);
        }
        let ints: Vec<_> = FIELDS
            .iter()
            .filter(|f| f.ty == FieldType::Int32)
            .map(|f| f.name)
            .collect();
        assert_eq!(
            ints,
            [
                "version",
                "srcport",
                "dstport",
                "protocol",
                "tcp-flags",
                "traffic-path",
                "encryption-status"
            ]
        );
        let longs: Vec<_> = FIELDS
            .iter()
            .filter(|f| f.ty == FieldType::Int64)
            .map(|f| f.name)
            .collect();
        assert_eq!(longs, ["packets", "bytes", "start", "end"]);
        assert_eq!(FIELDS[col::REGION].name, "region");
        assert_eq!(FIELDS[col::LOG_STATUS].name, "log-status");
        assert_eq!(FIELDS.last().unwrap().name, "next-hop-interface-type");
    }

    #[test]
    fn names_in_every_spelling() {
        for name in ["log-status", "log_status", "${log-status}"] {
            assert_eq!(field_by_name(name).unwrap().id, col::LOG_STATUS);
        }
        assert!(field_by_name("tgw-id").is_none());
    }

    #[test]
    fn transit_gateway_fields() {
        assert_eq!(TGW_FIELDS.len(), 36);
        for (i, f) in TGW_FIELDS.iter().enumerate() {
            assert_eq!(f.id, i);
            assert_eq!(f.column, f.name.replace('-', "_"), "{}", f.name);
            // A field both kinds have has the same type in both.
            if let Some(vpc) = field_by_name(f.name) {
                assert_eq!(vpc.ty, f.ty, "{}", f.name);
            }
        }
        let longs: Vec<_> = TGW_FIELDS
            .iter()
            .filter(|f| f.ty == FieldType::Int64)
            .map(|f| f.name)
            .collect();
        assert_eq!(
            longs,
            [
                "packets",
                "bytes",
                "start",
                "end",
                "packets-lost-no-route",
                "packets-lost-blackhole",
                "packets-lost-mtu-exceeded",
                "packets-lost-ttl-expired"
            ]
        );
        assert!(
            TGW_FIELDS
                .iter()
                .filter(|f| f.seconds)
                .map(|f| f.name)
                .eq(["start", "end"])
        );
        assert_eq!(
            RecordKind::of_names(["srcaddr", "packets-lost-mtu-exceeded"]),
            RecordKind::TransitGateway
        );
        assert_eq!(RecordKind::of_names(["srcaddr", "region"]), RecordKind::Vpc);
        assert_eq!(
            RecordKind::of(&RecordKind::TransitGateway.schema()),
            Some(RecordKind::TransitGateway)
        );
    }
}
