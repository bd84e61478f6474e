//! `vpc_flow_logs` over a lake's table log: one committed snapshot per statement.
//!
//! The provider resolves the latest version of the log when a statement is planned and
//! hands DataFusion exactly that snapshot's files, with their partition values from the
//! log (not from folder names). Every scan of one statement (a self-join, a hunt's
//! sub-queries) uses the same snapshot: it is pinned to the statement's start time, which
//! DataFusion sets once per statement. No directory listing decides what a query reads,
//! so a commit is never seen in part, a compaction never from both sides, and no file of
//! an older snapshot is asked for after the log moved on.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::listing::helpers::{expr_applicable_for_cols, filter_partitioned_file};
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
use datafusion::datasource::table_schema::TableSchemaBuilder;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use flowlake_store::object_store::ObjectMeta;
use flowlake_store::object_store::path::Path;
use flowlake_table::{DataFile, Lake};

/// The table over a lake with a table log.
pub(crate) struct SnapshotTable {
    lake: tokio::sync::Mutex<Lake>,
    /// Canonical columns, then the partition columns.
    schema: SchemaRef,
    file_schema: SchemaRef,
    partition_fields: Vec<FieldRef>,
    /// Length of one time partition, in seconds (a day or an hour).
    bucket_seconds: i64,
    store_url: ObjectStoreUrl,
    /// Where the lake is inside the registered store.
    prefix: Path,
    /// The snapshots of the statements planned last, by statement start time (statements
    /// of one session may be planned concurrently).
    pinned: Mutex<VecDeque<(DateTime<Utc>, Snapshot)>>,
}

/// A snapshot's data files.
type Snapshot = Arc<Vec<DataFile>>;

/// Statements whose snapshot is kept for their further scans.
const PINNED: usize = 16;

impl std::fmt::Debug for SnapshotTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotTable")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl SnapshotTable {
    /// The table of `kind` whose log is `lake`, its files under `prefix` of the store.
    pub(crate) fn new(
        lake: Lake,
        kind: flowlog::RecordKind,
        store_url: ObjectStoreUrl,
        prefix: Path,
    ) -> Self {
        let file_schema = view_types(&kind.schema());
        let partition_fields: Vec<FieldRef> = lake
            .partition_by()
            .columns()
            .iter()
            .map(|c| Arc::new(Field::new(*c, DataType::Utf8View, true)))
            .collect();
        let fields: Vec<FieldRef> = file_schema
            .fields()
            .iter()
            .cloned()
            .chain(partition_fields.iter().cloned())
            .collect();
        Self {
            bucket_seconds: lake.partition_by().bucket_seconds(),
            lake: tokio::sync::Mutex::new(lake),
            schema: Arc::new(Schema::new(fields)),
            file_schema,
            partition_fields,
            store_url,
            prefix,
            pinned: Mutex::new(VecDeque::new()),
        }
    }

    fn partition_names(&self) -> Vec<&str> {
        self.partition_fields
            .iter()
            .map(|f| f.name().as_str())
            .collect()
    }

    /// The snapshot for the statement that started at `statement`: the one pinned for it,
    /// else the latest version of the log (then pinned).
    async fn snapshot(&self, statement: Option<DateTime<Utc>>) -> DfResult<Snapshot> {
        let pinned_for = |statement: DateTime<Utc>| {
            self.pinned
                .lock()
                .expect("lock")
                .iter()
                .find(|(t, _)| *t == statement)
                .map(|(_, files)| Arc::clone(files))
        };
        if let Some(files) = statement.and_then(pinned_for) {
            return Ok(files);
        }
        let mut lake = self.lake.lock().await;
        // Another scan of the same statement may have resolved it while this one waited.
        if let Some(files) = statement.and_then(pinned_for) {
            return Ok(files);
        }
        lake.refresh()
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let files = Arc::new(
            lake.files()
                .map_err(|e| DataFusionError::External(Box::new(e)))?,
        );
        if let Some(t) = statement {
            let mut pinned = self.pinned.lock().expect("lock");
            if pinned.len() == PINNED {
                pinned.pop_front();
            }
            pinned.push_back((t, Arc::clone(&files)));
        }
        Ok(files)
    }

    fn partitioned_file(&self, file: &DataFile) -> PartitionedFile {
        // Joined part by part: the prefix is already a store path (its characters
        // encoded), the file's path is the log's, decoded.
        let location: Path = self
            .prefix
            .parts()
            .chain(
                Path::parse(&file.path)
                    .unwrap_or_else(|_| Path::from(file.path.as_str()))
                    .parts()
                    .collect::<Vec<_>>(),
            )
            .collect();
        let meta = ObjectMeta {
            location,
            last_modified: DateTime::from_timestamp_millis(file.modified).unwrap_or_default(),
            size: file.size,
            e_tag: None,
            version: None,
        };
        PartitionedFile::new_from_meta(meta).with_partition_values(
            file.partition
                .iter()
                .map(|v| ScalarValue::Utf8View(v.clone()))
                .collect(),
        )
    }
}

#[async_trait]
impl TableProvider for SnapshotTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let statement = state.execution_props().query_execution_start_time;
        let snapshot = self.snapshot(statement).await?;
        let names = self.partition_names();
        let partition_filters: Vec<Expr> = filters
            .iter()
            .filter(|f| expr_applicable_for_cols(&names, f))
            .cloned()
            .collect();
        let partition_schema = DFSchema::try_from(Schema::new(self.partition_fields.clone()))?;
        // Bounds on `start` skip the day or hour folders that cannot hold a match; bounds on
        // `start` and `end` skip the files whose least and greatest values in the log's
        // statistics cannot (a row with NULL there passes no bound either).
        let starts = crate::prune::time_range(filters);
        let ends = crate::prune::column_range(filters, "end");
        let mut files = Vec::with_capacity(snapshot.len());
        for file in snapshot.iter() {
            if starts.is_bounded()
                && crate::prune::partition_start(&file.partition)
                    .is_some_and(|t| !starts.overlaps(t, self.bucket_seconds))
            {
                continue;
            }
            if let Some(time) = &file.time {
                let outside = |range: &crate::prune::TimeRange, values: Option<(i64, i64)>| {
                    range.is_bounded() && values.is_none_or(|v| !range.meets(v))
                };
                if outside(&starts, time.start) || outside(&ends, time.end) {
                    continue;
                }
            }
            if let Some(pf) = filter_partitioned_file(
                self.partitioned_file(file),
                &partition_filters,
                &partition_schema,
            )? {
                files.push(pf);
            }
        }
        if files.is_empty() {
            let projected = match projection {
                Some(p) => Arc::new(self.schema.project(p)?),
                None => self.schema(),
            };
            return Ok(Arc::new(EmptyExec::new(projected)));
        }
        // Balanced groups: largest files first, each to the lightest group.
        files.sort_by_key(|f| std::cmp::Reverse(f.object_meta.size));
        let groups_wanted = state.config().target_partitions().max(1).min(files.len());
        let mut groups: Vec<(u64, Vec<PartitionedFile>)> = vec![(0, Vec::new()); groups_wanted];
        for f in files {
            let lightest = groups
                .iter_mut()
                .min_by_key(|(size, _)| *size)
                .expect("at least one group");
            lightest.0 += f.object_meta.size;
            lightest.1.push(f);
        }
        let format = ParquetFormat::default().with_options(state.table_options().parquet.clone());
        let table_schema = TableSchemaBuilder::from(&self.file_schema)
            .with_table_partition_cols(self.partition_fields.clone())
            .build();
        let config =
            FileScanConfigBuilder::new(self.store_url.clone(), format.file_source(table_schema))
                .with_file_groups(groups.into_iter().map(|(_, g)| FileGroup::new(g)).collect())
                .with_projection_indices(projection.cloned())?
                .with_limit(limit)
                .build();
        format.create_physical_plan(state, config).await
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        let names = self.partition_names();
        Ok(filters
            .iter()
            .map(|f| {
                if expr_applicable_for_cols(&names, f) {
                    // Decided per file from the log's partition values.
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }
}

/// `schema` with its text columns as string views (`Utf8View`, DataFusion's default for
/// Parquet): the reader decodes into them without copying the text, and grouping and
/// comparing addresses (most fit the 12 bytes a view holds inline) reads no second
/// buffer. The files keep the plain `string` type of AWS's schema; only the reading
/// changes (docs/benchmarks.md, "What the numbers led to").
fn view_types(schema: &Schema) -> SchemaRef {
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8 => Arc::new(f.as_ref().clone().with_data_type(DataType::Utf8View)),
                _ => Arc::clone(f),
            })
            .collect::<Vec<FieldRef>>(),
    ))
}
