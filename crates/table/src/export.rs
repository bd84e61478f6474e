//! A table flowlake derives from a lake (the OCSF export): a Delta table of any schema whose
//! commits replace whole partitions.
//!
//! Each commit removes every file of the partitions it rewrites and adds their new files,
//! in one atomic Delta commit: a reader of the log sees a partition before or after an
//! export, never both or half. A second export running into the same partitions at once
//! removes the same files, which Delta refuses (delete-delete conflict).

use std::collections::HashMap;

use arrow_schema::Schema as ArrowSchema;
use deltalake_core::DeltaTable;
use deltalake_core::kernel::engine::arrow_conversion::TryIntoKernel as _;
use deltalake_core::kernel::transaction::CommitProperties;
use deltalake_core::kernel::{Action, DataType, StructField, StructType, Transaction};
use deltalake_core::operations::create::CreateBuilder;
use deltalake_core::protocol::{DeltaOperation, SaveMode};
use flowlake_store::{Location, Opened};

use crate::{
    COMMIT_APP_PREFIX, Committed, DataFile, Result, TableError, delta_error, log_error, log_store,
};

/// A derived table at one snapshot.
pub struct ExportTable {
    table: DeltaTable,
    location: Location,
    partition_columns: Vec<String>,
}

impl std::fmt::Debug for ExportTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportTable")
            .field("location", &self.location)
            .field("version", &self.table.version())
            .finish_non_exhaustive()
    }
}

impl ExportTable {
    /// The table at `opened`, `None` when there is no table log there.
    pub async fn open(opened: &Opened) -> Result<Option<Self>> {
        if !crate::Lake::exists(opened).await? {
            return Ok(None);
        }
        let mut table = DeltaTable::new(log_store(opened)?);
        table
            .load()
            .await
            .map_err(|e| delta_error(&opened.location, e))?;
        let partition_columns = table
            .snapshot()
            .map_err(|e| log_error(&opened.location, e))?
            .metadata()
            .partition_columns()
            .to_vec();
        Ok(Some(Self {
            table,
            location: opened.location.clone(),
            partition_columns,
        }))
    }

    /// Open the table at `opened`, creating it when there is none: `schema` is the data
    /// files' schema, `partition_columns` (strings, in the folder names) follow it. A table
    /// there of another partitioning is refused.
    pub async fn open_or_create(
        opened: &Opened,
        name: &str,
        comment: &str,
        schema: &ArrowSchema,
        partition_columns: &[&str],
    ) -> Result<Self> {
        let check = |t: Self| {
            if t.partition_columns
                .iter()
                .map(String::as_str)
                .eq(partition_columns.iter().copied())
            {
                Ok(t)
            } else {
                Err(TableError::Invalid(format!(
                    "{}: a table partitioned by {:?} is already there, not by {partition_columns:?}",
                    opened.location, t.partition_columns
                )))
            }
        };
        if let Some(t) = Self::open(opened).await? {
            return check(t);
        }
        let kernel: StructType = schema
            .try_into_kernel()
            .map_err(|e| TableError::Invalid(format!("{name}: schema: {e}")))?;
        let columns: Vec<StructField> = kernel
            .fields()
            .cloned()
            .chain(
                partition_columns
                    .iter()
                    .map(|c| StructField::new(*c, DataType::STRING, true)),
            )
            .collect();
        let created = CreateBuilder::new()
            .with_log_store(log_store(opened)?)
            .with_table_name(name)
            .with_comment(comment)
            .with_columns(columns)
            .with_partition_columns(partition_columns.iter().copied())
            .with_save_mode(SaveMode::ErrorIfExists)
            .with_commit_properties(CommitProperties::default().with_max_retries(0))
            .await;
        match created {
            Ok(table) => Ok(Self {
                table,
                location: opened.location.clone(),
                partition_columns: partition_columns.iter().map(|c| (*c).to_string()).collect(),
            }),
            Err(e) => match Self::open(opened).await? {
                Some(t) => check(t),
                None => Err(delta_error(&opened.location, e)),
            },
        }
    }

    /// Move to the latest committed version.
    pub async fn refresh(&mut self) -> Result<()> {
        self.table
            .update_state()
            .await
            .map_err(|e| delta_error(&self.location, e))
    }

    /// Whether the commit `id` is in the table (as of this snapshot).
    pub async fn is_committed(&self, id: &str) -> Result<bool> {
        crate::is_committed(&self.table, &self.location, id).await
    }

    /// The partition columns, outermost first.
    pub fn partition_columns(&self) -> &[String] {
        &self.partition_columns
    }

    /// The snapshot's version.
    pub fn version(&self) -> i64 {
        self.table.version().map_or(-1, |v| v as i64)
    }

    /// The data files of the snapshot, partition values in the order of
    /// [`partition_columns`](Self::partition_columns).
    pub fn files(&self) -> Result<Vec<DataFile>> {
        crate::snapshot_files(&self.table, &self.location, &self.partition_columns)
    }

    /// Replace the files of the partitions `add` covers: `remove` (the snapshot's files of
    /// those partitions) out, `add` in, as one commit with the id `id`.
    pub async fn replace(
        &mut self,
        id: &str,
        add: &[DataFile],
        remove: &[DataFile],
        info: HashMap<String, serde_json::Value>,
    ) -> Result<Committed> {
        let now = chrono::Utc::now().timestamp_millis();
        let map = |f: &DataFile| crate::partition_map(&self.partition_columns, &f.partition);
        let mut actions: Vec<Action> = Vec::new();
        for f in add {
            actions.push(Action::Add(crate::add_action(f, map(f), true)));
        }
        for f in remove {
            actions.push(Action::Remove(crate::remove_action(f, map(f), now, true)));
        }
        actions.push(Action::Txn(Transaction::new_with_last_update(
            format!("{COMMIT_APP_PREFIX}{id}"),
            1,
            Some(now),
        )));
        let operation = DeltaOperation::Write {
            mode: SaveMode::Overwrite,
            partition_by: Some(self.partition_columns.clone()),
            predicate: None,
        };
        let properties = CommitProperties::default()
            .with_max_retries(100)
            .with_metadata(info);
        crate::commit_actions(
            &mut self.table,
            &self.location,
            actions,
            operation,
            properties,
            id,
        )
        .await
    }
}
