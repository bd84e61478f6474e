//! Opening a lake's table log, creating it when the lake has none: a new lake, a lake
//! written by an earlier flowlake (its own commit records under `_flowlake/commits/`),
//! or a folder of AWS-delivered Parquet. No data file is rewritten: the first commit of
//! the log adds the files the lake holds, with the converted inputs of the earlier
//! records, so a re-run still skips them.

use std::collections::HashMap;

use flowlake_table::{Lake, PartitionBy, partition_of};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::error::{ConvertError, Result};
use crate::target::Target;

/// Folders of an earlier flowlake's commit log.
const LEGACY_COMMITS: &str = "_flowlake/commits";
const LEGACY_PENDING: &str = "_flowlake/pending";
const LEGACY_RETIRING: &str = "_flowlake/retiring";
const LEGACY_STAGING: &str = "_flowlake/staging";

/// The lake's table, created (or migrated) when it has none.
pub(crate) async fn open_table(target: &Target, by: PartitionBy) -> Result<Lake> {
    if let Some(lake) = Lake::open(&target.opened).await? {
        return Ok(lake);
    }
    let store = &target.store;
    let err = |path: &str, e| ConvertError::store(target.location.join(path), e);
    let legacy: Vec<_> = store
        .list(Some(&Path::from(LEGACY_COMMITS)))
        .try_collect()
        .await
        .map_err(|e| err(LEGACY_COMMITS, e))?;
    if !legacy.is_empty() {
        finish_legacy(target).await?;
    }
    let listed: Vec<_> = store
        .list(Some(&Path::from("AWSLogs")))
        .try_collect()
        .await
        .map_err(|e| err("AWSLogs", e))?;
    let files: Vec<_> = listed
        .into_iter()
        .filter(|m| {
            let key = m.location.as_ref();
            key.ends_with(".parquet") && !key.split('/').any(|s| s.starts_with(['.', '_']))
        })
        .collect();
    if files.is_empty() {
        return Ok(Lake::open_or_create(&target.opened, by, Vec::new()).await?);
    }
    // The scheme the folders show; one lake holds one.
    let hour = files
        .iter()
        .filter(|m| partition_of(m.location.as_ref(), PartitionBy::Hour).is_some())
        .count();
    let scheme = match hour {
        0 => PartitionBy::Day,
        n if n == files.len() => PartitionBy::Hour,
        n => {
            return Err(ConvertError::Invalid(format!(
                "{}: {n} of its {} data files are in hour folders and the others in day folders; a lake holds one scheme. Move one kind to another lake, then run this again",
                target.location,
                files.len()
            )));
        }
    };
    let (inputs, rows) = legacy_records(target).await?;
    let now = chrono::Utc::now().timestamp_millis();
    let mut actions = Vec::with_capacity(files.len() + inputs.len());
    for meta in &files {
        let path = meta.location.to_string();
        let Some(partition) = partition_of(&path, scheme) else {
            return Err(ConvertError::Invalid(format!(
                "{}: not in AWS's partition layout; move it out of the lake, then run this again",
                target.location.join(&path)
            )));
        };
        actions.push(deltalake_core::kernel::Action::Add(
            deltalake_core::kernel::Add {
                path: path.clone(),
                partition_values: scheme
                    .columns()
                    .iter()
                    .zip(partition)
                    .map(|(c, v)| ((*c).to_string(), v))
                    .collect(),
                size: meta.size as i64,
                modification_time: meta.last_modified.timestamp_millis(),
                data_change: true,
                stats: rows
                    .get(&path)
                    .map(|n| serde_json::json!({ "numRecords": n }).to_string()),
                ..Default::default()
            },
        ));
    }
    for (input, size) in inputs {
        actions.push(deltalake_core::kernel::Action::Txn(
            deltalake_core::kernel::Transaction::new_with_last_update(
                format!("{}{input}", flowlake_table::INPUT_APP_PREFIX),
                size,
                Some(now),
            ),
        ));
    }
    Ok(Lake::open_or_create(&target.opened, scheme, actions).await?)
}

/// Whatever an earlier flowlake left in flight: pending commits are published (their
/// files are complete), files replaced by compactions deleted, staging folders removed.
async fn finish_legacy(target: &Target) -> Result<()> {
    let store = &target.store;
    for (path, record) in records(store, LEGACY_PENDING).await? {
        // A record of this version's protocol (another run created the table log
        // meanwhile) is not the earlier log's to finish.
        if record["format"].as_u64() != Some(1) {
            continue;
        }
        let files = record["files"].as_array().cloned().unwrap_or_default();
        // Its data files, then its rejects file (`[staged, final]`), as it published them.
        let moves = files
            .iter()
            .map(|f| (f["staged"].as_str(), f["final"].as_str()))
            .chain(record["rejects"].as_array().map(|pair| {
                (
                    pair.first().and_then(|p| p.as_str()),
                    pair.get(1).and_then(|p| p.as_str()),
                )
            }));
        for (staged, final_path) in moves {
            let (Some(staged), Some(final_path)) = (staged, final_path) else {
                continue;
            };
            match store
                .rename(&crate::commit::key(staged), &crate::commit::key(final_path))
                .await
            {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(ConvertError::store(target.location.join(staged), e)),
            }
        }
        for replaced in record["replaces"].as_array().into_iter().flatten() {
            if let Some(p) = replaced.as_str() {
                delete(store, p).await?;
            }
        }
        // Now a complete commit of the old log.
        let id = path.filename().unwrap_or_default().to_string();
        let bytes = serde_json::to_vec(&record).expect("serializes");
        store
            .put(&Path::from(format!("{LEGACY_COMMITS}/{id}")), bytes.into())
            .await
            .map_err(|e| ConvertError::store(target.location.join(LEGACY_COMMITS), e))?;
        delete(store, path.as_ref()).await?;
    }
    for (path, record) in records(store, LEGACY_RETIRING).await? {
        for f in record["files"].as_array().into_iter().flatten() {
            if let Some(p) = f.as_str() {
                delete(store, p).await?;
            }
        }
        delete(store, path.as_ref()).await?;
    }
    let staged: Vec<_> = store
        .list(Some(&Path::from(LEGACY_STAGING)))
        .try_collect()
        .await
        .map_err(|e| ConvertError::store(target.location.join(LEGACY_STAGING), e))?;
    for meta in staged {
        // This version's staging folders (`<32 hex>-<seq>`) belong to live runs.
        let folder = meta.location.parts().nth(2);
        let current = folder.is_some_and(|f| {
            f.as_ref().split_once('-').is_some_and(|(run, seq)| {
                run.len() == 32 && seq.bytes().all(|b| b.is_ascii_digit())
            })
        });
        if !current {
            delete(store, meta.location.as_ref()).await?;
        }
    }
    let _ = store.delete(&Path::from("_flowlake/lock")).await;
    Ok(())
}

/// The inputs the earlier log recorded (location and size), and the rows of each file
/// it published.
async fn legacy_records(target: &Target) -> Result<(HashMap<String, i64>, HashMap<String, u64>)> {
    let mut inputs = HashMap::new();
    let mut rows = HashMap::new();
    for (_, record) in records(&target.store, LEGACY_COMMITS).await? {
        for input in record["inputs"].as_array().into_iter().flatten() {
            if let Some(location) = input["location"].as_str() {
                inputs.insert(location.to_string(), input["size"].as_i64().unwrap_or(0));
            }
        }
        for f in record["files"].as_array().into_iter().flatten() {
            if let (Some(p), Some(n)) = (f["final"].as_str(), f["rows"].as_u64()) {
                rows.insert(p.to_string(), n);
            }
        }
    }
    Ok((inputs, rows))
}

async fn records(
    store: &std::sync::Arc<dyn ObjectStore>,
    dir: &str,
) -> Result<Vec<(Path, serde_json::Value)>> {
    let listed: Vec<_> = store
        .list(Some(&Path::from(dir)))
        .try_collect()
        .await
        .map_err(|e| ConvertError::store(dir, e))?;
    let mut out = Vec::new();
    for meta in listed {
        if meta.location.extension() != Some("json") {
            continue;
        }
        let bytes = store
            .get(&meta.location)
            .await
            .map_err(|e| ConvertError::store(meta.location.as_ref(), e))?
            .bytes()
            .await
            .map_err(|e| ConvertError::store(meta.location.as_ref(), e))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            ConvertError::Invalid(format!(
                "{}: unreadable commit record of an earlier flowlake ({e})",
                meta.location
            ))
        })?;
        out.push((meta.location, value));
    }
    Ok(out)
}

async fn delete(store: &std::sync::Arc<dyn ObjectStore>, path: &str) -> Result<()> {
    match store.delete(&crate::commit::key(path)).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(ConvertError::store(path, e)),
    }
}
