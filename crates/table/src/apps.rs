//! Every application transaction (`txn` action) of a table, read in bounded time.
//!
//! flowlake records each converted input as a `txn` action (application id = the input,
//! version = its size as converted), in the same commit as the input's rows. A re-run
//! needs all of them at once to skip what is done. delta-rs answers one application id per
//! log replay (`transaction_version`), which for 100,000 inputs would be 100,000 replays;
//! the kernel's replay of all of them is not public. This module reads them the way the
//! Delta protocol lays them out ("Checkpoints" and "Transaction Identifiers" in
//! PROTOCOL.md): the `txn` column of the latest checkpoint, then the `txn` lines of the
//! commits after it, newest winning. That is one Parquet column and at most a checkpoint
//! interval of small JSON files, however long the log.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, StructArray};
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// Commit files fetched at once.
const CONCURRENT_READS: usize = 16;

fn log_path(name: &str) -> Path {
    Path::from(format!("_delta_log/{name}"))
}

async fn get(store: &dyn ObjectStore, path: &Path) -> object_store::Result<Option<bytes::Bytes>> {
    match store.get(path).await {
        Ok(r) => Ok(Some(r.bytes().await?)),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn invalid(path: &Path, e: impl std::fmt::Display) -> object_store::Error {
    object_store::Error::Generic {
        store: "delta log",
        source: format!("{path}: {e}").into(),
    }
}

/// The latest checkpoint at or before `version`: its version and its files. From
/// `_last_checkpoint` when that is usable, else from a listing of the log.
async fn checkpoint(
    store: &dyn ObjectStore,
    version: i64,
) -> object_store::Result<Option<(i64, Vec<Path>)>> {
    let hint = log_path("_last_checkpoint");
    if let Some(bytes) = get(store, &hint).await? {
        let json: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| invalid(&hint, e))?;
        let v = json.get("version").and_then(serde_json::Value::as_i64);
        let parts = json.get("parts").and_then(serde_json::Value::as_i64);
        if let Some(v) = v.filter(|v| *v <= version) {
            let files = match parts {
                None | Some(1) => vec![log_path(&format!("{v:020}.checkpoint.parquet"))],
                Some(n) => (1..=n)
                    .map(|i| log_path(&format!("{v:020}.checkpoint.{i:010}.{n:010}.parquet")))
                    .collect(),
            };
            return Ok(Some((v, files)));
        }
    }
    // No usable hint: the newest classic checkpoint in the listing.
    let listed: Vec<_> = store
        .list(Some(&Path::from("_delta_log")))
        .try_collect()
        .await?;
    let mut best: Option<(i64, Vec<Path>)> = None;
    for meta in listed {
        let Some(name) = meta.location.filename() else {
            continue;
        };
        let Some((v, rest)) = name.split_once(".checkpoint") else {
            continue;
        };
        let Ok(v) = v.parse::<i64>() else { continue };
        if v > version || !rest.ends_with(".parquet") {
            continue;
        }
        match &mut best {
            Some((b, files)) if *b == v => files.push(meta.location.clone()),
            Some((b, _)) if *b > v => {}
            _ => best = Some((v, vec![meta.location.clone()])),
        }
    }
    Ok(best)
}

fn read_checkpoint(
    path: &Path,
    bytes: bytes::Bytes,
    into: &mut HashMap<String, i64>,
) -> object_store::Result<()> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(|e| invalid(path, e))?;
    let Some(txn) = builder
        .schema()
        .fields()
        .iter()
        .position(|f| f.name() == "txn")
    else {
        return Ok(());
    };
    let mask = ProjectionMask::roots(builder.parquet_schema(), [txn]);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| invalid(path, e))?;
    for batch in reader {
        let batch = batch.map_err(|e| invalid(path, e))?;
        let txn: &StructArray = batch.column(0).as_struct();
        let (Some(app), Some(version)) =
            (txn.column_by_name("appId"), txn.column_by_name("version"))
        else {
            return Err(invalid(path, "txn column without appId/version"));
        };
        let app = app.as_string::<i32>();
        let version = version.as_primitive::<Int64Type>();
        for row in 0..txn.len() {
            if txn.is_valid(row) && app.is_valid(row) && version.is_valid(row) {
                into.insert(app.value(row).to_string(), version.value(row));
            }
        }
    }
    Ok(())
}

fn read_commit(
    path: &Path,
    bytes: &[u8],
    into: &mut HashMap<String, i64>,
) -> object_store::Result<()> {
    for line in bytes.split(|b| *b == b'\n') {
        // Only lines holding a txn action are parsed.
        if memchr::memmem::find(line, b"\"txn\"").is_none() {
            continue;
        }
        let json: serde_json::Value = serde_json::from_slice(line).map_err(|e| invalid(path, e))?;
        let Some(txn) = json.get("txn") else { continue };
        if let (Some(app), Some(version)) = (
            txn.get("appId").and_then(serde_json::Value::as_str),
            txn.get("version").and_then(serde_json::Value::as_i64),
        ) {
            into.insert(app.to_string(), version);
        }
    }
    Ok(())
}

/// Every application id with its latest version, as of table version `version`.
pub(crate) async fn applications(
    store: &Arc<dyn ObjectStore>,
    version: i64,
) -> object_store::Result<HashMap<String, i64>> {
    let mut apps = HashMap::new();
    let first = match checkpoint(store.as_ref(), version).await? {
        Some((v, files)) => {
            for path in files {
                let bytes = get(store.as_ref(), &path)
                    .await?
                    .ok_or_else(|| invalid(&path, "checkpoint file is missing"))?;
                read_checkpoint(&path, bytes, &mut apps)?;
            }
            v + 1
        }
        None => 0,
    };
    read_commits(store, first, version, &mut apps).await?;
    Ok(apps)
}

/// Add the `txn` actions of commits `first..=last` to `into`, in order.
pub(crate) async fn read_commits(
    store: &Arc<dyn ObjectStore>,
    first: i64,
    last: i64,
    into: &mut HashMap<String, i64>,
) -> object_store::Result<()> {
    // In order, fetched a few at a time.
    let mut commits = futures::stream::iter(first..=last)
        .map(|v| {
            let store = Arc::clone(store);
            async move {
                let path = log_path(&format!("{v:020}.json"));
                let bytes = get(store.as_ref(), &path).await?;
                Ok::<_, object_store::Error>((path, bytes))
            }
        })
        .buffered(CONCURRENT_READS);
    while let Some((path, bytes)) = commits.try_next().await? {
        let bytes = bytes.ok_or_else(|| invalid(&path, "commit file is missing"))?;
        read_commit(&path, &bytes, into)?;
    }
    Ok(())
}
