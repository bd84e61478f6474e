//! `--eni-metadata`: AWS's own inventory beside the flow logs.
//!
//! Flow logs name interfaces, instances and subnets by id and hosts by address; the
//! inventory says what they are. [`register`] reads the JSON the AWS CLI prints
//! (`aws ec2 describe-network-interfaces`, `describe-instances`, `describe-subnets`,
//! `describe-vpcs`, `describe-security-groups`, in any number of files, in any order) and
//! adds the table `network_interfaces`: one row per address of each interface, with the
//! instance, its `Name` tag, the subnet, the VPC and the security groups.
//!
//! Source: the EC2 API reference, `NetworkInterface`, `Instance`, `Subnet`, `Vpc` and
//! `SecurityGroup` (the CLI prints them with the API's member names).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use serde_json::Value;

use crate::error::{QueryError, Result};

/// Name of the inventory table.
pub const TABLE: &str = "network_interfaces";

/// The columns of `network_interfaces`, all text but `is_primary`.
pub fn schema() -> SchemaRef {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        text("interface_id"),
        text("address"),
        // `private`, `public` (an Elastic or auto-assigned public IPv4) or `ipv6`.
        text("address_kind"),
        Field::new("is_primary", DataType::Boolean, true),
        text("instance_id"),
        // The instance's `Name` tag.
        text("instance_name"),
        text("interface_type"),
        text("description"),
        text("subnet_id"),
        text("subnet_name"),
        text("subnet_cidr"),
        text("vpc_id"),
        text("vpc_name"),
        text("availability_zone"),
        // `sg-0123 (web), sg-0456 (db)`.
        text("security_groups"),
        // The interface's tags, then the instance's: `key=value; key=value`.
        text("tags"),
        text("account_id"),
    ]))
}

/// An instance's `Name` tag and all its tags.
type InstanceTags = (Option<String>, Vec<(String, String)>);

/// What the files say, merged by id.
#[derive(Debug, Default)]
struct Inventory {
    interfaces: BTreeMap<String, Value>,
    /// Instance id -> (Name tag, tags).
    instances: BTreeMap<String, InstanceTags>,
    /// Subnet id -> (Name tag, CIDR).
    subnets: BTreeMap<String, (Option<String>, Option<String>)>,
    vpcs: BTreeMap<String, Option<String>>,
    groups: BTreeMap<String, String>,
}

/// The members of the list `key` of `v` (none when it has no such list).
fn items<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn s(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(ToString::to_string)
}

fn tags(v: &Value) -> Vec<(String, String)> {
    ["Tags", "TagSet"]
        .iter()
        .filter_map(|k| v.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(|t| Some((s(t, "Key")?, s(t, "Value").unwrap_or_default())))
        .collect()
}

fn name_tag(v: &Value) -> Option<String> {
    tags(v)
        .into_iter()
        .find(|(k, _)| k == "Name")
        .map(|(_, v)| v)
}

impl Inventory {
    /// Add one file of `aws ec2 describe-*` output.
    fn add(&mut self, path: &Path, json: &Value) -> Result<()> {
        let mut known = false;
        let list = |key: &str| json.get(key).and_then(Value::as_array);
        if let Some(items) = list("NetworkInterfaces") {
            known = true;
            for i in items {
                if let Some(id) = s(i, "NetworkInterfaceId") {
                    self.interfaces.insert(id, i.clone());
                }
            }
        }
        if let Some(reservations) = list("Reservations") {
            known = true;
            for r in reservations {
                for inst in items(r, "Instances") {
                    let Some(id) = s(inst, "InstanceId") else {
                        continue;
                    };
                    self.instances
                        .insert(id.clone(), (name_tag(inst), tags(inst)));
                    // An instance's interfaces, for when describe-network-interfaces was
                    // not given (its own output has more: a file of it wins).
                    for ni in items(inst, "NetworkInterfaces") {
                        if let Some(eni) = s(ni, "NetworkInterfaceId") {
                            let mut ni = ni.clone();
                            if let Some(obj) = ni.as_object_mut() {
                                obj.entry("Attachment").or_insert_with(
                                    || serde_json::json!({ "InstanceId": id.clone() }),
                                );
                                if let Some(az) = inst
                                    .get("Placement")
                                    .and_then(|p| p.get("AvailabilityZone"))
                                {
                                    obj.entry("AvailabilityZone").or_insert(az.clone());
                                }
                            }
                            self.interfaces.entry(eni).or_insert(ni);
                        }
                    }
                }
            }
        }
        if let Some(items) = list("Subnets") {
            known = true;
            for sub in items {
                if let Some(id) = s(sub, "SubnetId") {
                    self.subnets
                        .insert(id, (name_tag(sub), s(sub, "CidrBlock")));
                }
            }
        }
        if let Some(items) = list("Vpcs") {
            known = true;
            for vpc in items {
                if let Some(id) = s(vpc, "VpcId") {
                    self.vpcs.insert(id, name_tag(vpc));
                }
            }
        }
        if let Some(items) = list("SecurityGroups") {
            known = true;
            for g in items {
                if let (Some(id), Some(name)) = (s(g, "GroupId"), s(g, "GroupName")) {
                    self.groups.insert(id, name);
                }
            }
        }
        if known {
            Ok(())
        } else {
            Err(QueryError::Inventory(format!(
                "{}: not the output of `aws ec2 describe-network-interfaces` (or describe-instances, \
                 describe-subnets, describe-vpcs, describe-security-groups): no NetworkInterfaces, \
                 Reservations, Subnets, Vpcs or SecurityGroups list in it",
                path.display()
            )))
        }
    }

    fn batch(&self) -> Result<RecordBatch> {
        let n = schema().fields().len();
        let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); n];
        let mut primary: Vec<Option<bool>> = Vec::new();
        for (id, ni) in &self.interfaces {
            let instance = ni.get("Attachment").and_then(|a| s(a, "InstanceId"));
            let (instance_name, instance_tags) = instance
                .as_ref()
                .and_then(|i| self.instances.get(i))
                .cloned()
                .unwrap_or_default();
            let subnet = s(ni, "SubnetId");
            let (subnet_name, subnet_cidr) = subnet
                .as_ref()
                .and_then(|x| self.subnets.get(x))
                .cloned()
                .unwrap_or_default();
            let vpc = s(ni, "VpcId");
            let vpc_name = vpc
                .as_ref()
                .and_then(|v| self.vpcs.get(v))
                .cloned()
                .flatten();
            let groups: Vec<String> = items(ni, "Groups")
                .filter_map(|g| {
                    let gid = s(g, "GroupId")?;
                    let name = s(g, "GroupName").or_else(|| self.groups.get(&gid).cloned());
                    Some(match name {
                        Some(name) => format!("{gid} ({name})"),
                        None => gid,
                    })
                })
                .collect();
            let all_tags: Vec<String> = tags(ni)
                .into_iter()
                .chain(instance_tags)
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            // Every address: private IPv4 (with the public one mapped to it), IPv6.
            let mut addresses: Vec<(String, &str, bool)> = Vec::new();
            for p in items(ni, "PrivateIpAddresses") {
                let is_primary = p.get("Primary").and_then(Value::as_bool).unwrap_or(false);
                if let Some(a) = s(p, "PrivateIpAddress") {
                    addresses.push((a, "private", is_primary));
                }
                if let Some(a) = p.get("Association").and_then(|x| s(x, "PublicIp")) {
                    addresses.push((a, "public", is_primary));
                }
            }
            if addresses.is_empty()
                && let Some(a) = s(ni, "PrivateIpAddress")
            {
                addresses.push((a, "private", true));
            }
            if let Some(a) = ni.get("Association").and_then(|x| s(x, "PublicIp"))
                && !addresses.iter().any(|(x, _, _)| *x == a)
            {
                addresses.push((a, "public", true));
            }
            for v6 in items(ni, "Ipv6Addresses") {
                if let Some(a) = s(v6, "Ipv6Address") {
                    addresses.push((a, "ipv6", false));
                }
            }
            if addresses.is_empty() {
                addresses.push((String::new(), "", false));
            }
            for (address, kind, is_primary) in addresses {
                let values = [
                    Some(id.clone()),
                    (!address.is_empty()).then_some(address),
                    (!kind.is_empty()).then(|| kind.to_string()),
                    None,
                    instance.clone(),
                    instance_name.clone(),
                    s(ni, "InterfaceType"),
                    s(ni, "Description").filter(|d| !d.is_empty()),
                    subnet.clone(),
                    subnet_name.clone(),
                    subnet_cidr.clone(),
                    vpc.clone(),
                    vpc_name.clone(),
                    s(ni, "AvailabilityZone"),
                    (!groups.is_empty()).then(|| groups.join(", ")),
                    (!all_tags.is_empty()).then(|| all_tags.join("; ")),
                    s(ni, "OwnerId"),
                ];
                for (c, v) in columns.iter_mut().zip(values) {
                    c.push(v);
                }
                primary.push(Some(is_primary));
            }
        }
        let arrays: Vec<ArrayRef> = columns
            .into_iter()
            .enumerate()
            .map(|(i, c)| -> ArrayRef {
                if i == 3 {
                    Arc::new(BooleanArray::from(primary.clone()))
                } else {
                    Arc::new(StringArray::from(c))
                }
            })
            .collect();
        Ok(RecordBatch::try_new(schema(), arrays).map_err(DataFusionError::from)?)
    }
}

/// Register `network_interfaces` from `files` (empty without any), and return its rows.
pub fn register(ctx: &SessionContext, files: &[PathBuf]) -> Result<usize> {
    let mut inventory = Inventory::default();
    for path in files {
        let text = std::fs::read(path).map_err(|source| QueryError::Io {
            path: path.clone(),
            source,
        })?;
        let json: Value = serde_json::from_slice(&text).map_err(|e| {
            QueryError::Inventory(format!(
                "{}:{}:{}: not JSON: {e}",
                path.display(),
                e.line(),
                e.column()
            ))
        })?;
        inventory.add(path, &json)?;
    }
    let batch = inventory.batch()?;
    let rows = batch.num_rows();
    ctx.deregister_table(TABLE)?;
    ctx.register_table(
        TABLE,
        Arc::new(MemTable::try_new(schema(), vec![vec![batch]])?),
    )?;
    Ok(rows)
}

/// Who an address, interface or instance id is, from `network_interfaces`: the instance's
/// name (or id), else the interface's description, with the subnet's name. `None` when
/// the inventory does not know it.
pub fn host_names(batch: &RecordBatch) -> BTreeMap<String, String> {
    use datafusion::arrow::array::{Array, AsArray};
    let col = |name: &str| {
        batch
            .column_by_name(name)
            .map(|c| c.as_string::<i32>().clone())
    };
    let (Some(eni), Some(addr), Some(inst), Some(name), Some(desc), Some(subnet)) = (
        col("interface_id"),
        col("address"),
        col("instance_id"),
        col("instance_name"),
        col("description"),
        col("subnet_name"),
    ) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for r in 0..batch.num_rows() {
        let get = |a: &StringArray| (!a.is_null(r)).then(|| a.value(r).to_string());
        let who = get(&name)
            .or_else(|| get(&inst))
            .or_else(|| get(&desc))
            .unwrap_or_else(|| eni.value(r).to_string());
        let label = match get(&subnet) {
            Some(sub) => format!("{who} [{sub}]"),
            None => who,
        };
        for key in [get(&addr), get(&eni), get(&inst)].into_iter().flatten() {
            out.entry(key).or_insert_with(|| label.clone());
        }
    }
    out
}

/// `batch` with a last column `hosts`: for each row, the inventory's name of every text
/// cell it knows (`10.0.2.23 = app-1 [app-private]`), `; `-separated; NULL when none.
pub fn with_hosts(batch: &RecordBatch, hosts: &BTreeMap<String, String>) -> Result<RecordBatch> {
    use datafusion::arrow::array::Array;
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    let options = FormatOptions::default();
    // The text columns: each with its formatter.
    let text: Vec<(&dyn Array, ArrayFormatter<'_>)> = batch
        .columns()
        .iter()
        .zip(batch.schema().fields())
        .filter(|(_, f)| {
            matches!(
                f.data_type(),
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
            )
        })
        .map(|(c, _)| Ok((c.as_ref(), ArrayFormatter::try_new(c.as_ref(), &options)?)))
        .collect::<std::result::Result<_, datafusion::arrow::error::ArrowError>>()
        .map_err(DataFusionError::from)?;
    let mut values: Vec<Option<String>> = Vec::with_capacity(batch.num_rows());
    for r in 0..batch.num_rows() {
        let mut named: Vec<String> = Vec::new();
        for (a, f) in &text {
            if a.is_null(r) {
                continue;
            }
            let v = f.value(r).to_string();
            if let Some(host) = hosts.get(&v) {
                let entry = format!("{v} = {host}");
                if !named.contains(&entry) {
                    named.push(entry);
                }
            }
        }
        values.push((!named.is_empty()).then(|| named.join("; ")));
    }
    let mut fields: Vec<Arc<Field>> = batch.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(Field::new("hosts", DataType::Utf8, true)));
    let mut columns = batch.columns().to_vec();
    columns.push(Arc::new(StringArray::from(values)));
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(DataFusionError::from)?)
}

/// The `hosts` names of `ctx`'s `network_interfaces` (empty when it has no rows).
pub async fn hosts(ctx: &SessionContext) -> Result<BTreeMap<String, String>> {
    let batches = ctx
        .sql(&format!("SELECT * FROM {TABLE}"))
        .await?
        .collect()
        .await?;
    let mut out = BTreeMap::new();
    for b in &batches {
        for (k, v) in host_names(b) {
            out.entry(k).or_insert(v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENIS: &str = r#"{"NetworkInterfaces": [{
        "NetworkInterfaceId": "eni-0a1b", "SubnetId": "subnet-1", "VpcId": "vpc-1",
        "AvailabilityZone": "us-east-1a", "Description": "", "InterfaceType": "interface",
        "OwnerId": "111122223333", "PrivateIpAddress": "10.0.2.23",
        "PrivateIpAddresses": [
            {"PrivateIpAddress": "10.0.2.23", "Primary": true, "Association": {"PublicIp": "3.80.1.2"}},
            {"PrivateIpAddress": "10.0.2.24", "Primary": false}],
        "Ipv6Addresses": [{"Ipv6Address": "2600:1f18::5"}],
        "Groups": [{"GroupId": "sg-1", "GroupName": "app"}],
        "Attachment": {"InstanceId": "i-0c0ffee"},
        "TagSet": [{"Key": "team", "Value": "payments"}]}]}"#;
    const INSTANCES: &str = r#"{"Reservations": [{"Instances": [{"InstanceId": "i-0c0ffee",
        "Tags": [{"Key": "Name", "Value": "app-1"}], "NetworkInterfaces": []}]}]}"#;
    const SUBNETS: &str = r#"{"Subnets": [{"SubnetId": "subnet-1", "CidrBlock": "10.0.2.0/24",
        "Tags": [{"Key": "Name", "Value": "app-private"}]}]}"#;

    #[tokio::test]
    async fn the_cli_outputs_make_one_row_per_address() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for (name, text) in [
            ("enis.json", ENIS),
            ("instances.json", INSTANCES),
            ("subnets.json", SUBNETS),
        ] {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            files.push(p);
        }
        let ctx = SessionContext::new();
        assert_eq!(register(&ctx, &files).unwrap(), 4);
        let batches = ctx
            .sql("SELECT address, address_kind, is_primary, instance_name, subnet_name, subnet_cidr, security_groups, tags FROM network_interfaces ORDER BY address")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        for expected in [
            "| 10.0.2.23    | private      | true       | app-1         | app-private | 10.0.2.0/24 | sg-1 (app)      | team=payments; Name=app-1 |",
            "| 10.0.2.24    | private      | false      |",
            "| 2600:1f18::5 | ipv6         |",
            "| 3.80.1.2     | public       | true       |",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
        let names = host_names(&batches_of(&ctx).await);
        assert_eq!(names, hosts(&ctx).await.unwrap());
        assert_eq!(names["10.0.2.24"], "app-1 [app-private]");
        assert_eq!(names["eni-0a1b"], "app-1 [app-private]");
        assert_eq!(names["i-0c0ffee"], "app-1 [app-private]");
    }

    async fn batches_of(ctx: &SessionContext) -> RecordBatch {
        let b = ctx
            .sql("SELECT * FROM network_interfaces")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        datafusion::arrow::compute::concat_batches(&schema(), &b).unwrap()
    }

    #[test]
    fn rows_get_the_names_of_the_hosts_they_mention() {
        use datafusion::arrow::array::AsArray;
        let batch = RecordBatch::try_from_iter([
            (
                "scanner",
                Arc::new(StringArray::from(vec![
                    Some("10.0.2.23"),
                    Some("10.9.9.9"),
                    None,
                ])) as ArrayRef,
            ),
            (
                "target",
                Arc::new(StringArray::from(vec!["3.80.1.2", "8.8.8.8", "x"])) as ArrayRef,
            ),
        ])
        .unwrap();
        let hosts = BTreeMap::from([
            ("10.0.2.23".to_string(), "app-1".to_string()),
            ("3.80.1.2".to_string(), "app-1".to_string()),
        ]);
        let out = with_hosts(&batch, &hosts).unwrap();
        let h = out.column_by_name("hosts").unwrap().as_string::<i32>();
        assert_eq!(h.value(0), "10.0.2.23 = app-1; 3.80.1.2 = app-1");
        assert!(datafusion::arrow::array::Array::is_null(h, 1));
        assert!(datafusion::arrow::array::Array::is_null(h, 2));
    }

    #[test]
    fn other_json_is_refused_with_the_file_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        std::fs::write(&p, r#"{"Buckets": []}"#).unwrap();
        let e = register(&SessionContext::new(), std::slice::from_ref(&p)).unwrap_err();
        assert!(e.to_string().contains("describe-network-interfaces"), "{e}");
        std::fs::write(&p, "{\n  \"NetworkInterfaces\": [\n  oops").unwrap();
        let e = register(&SessionContext::new(), std::slice::from_ref(&p)).unwrap_err();
        assert!(e.to_string().contains("x.json:3:"), "{e}");
    }
}
