//! CloudWatch Logs subscription envelopes, as Amazon Data Firehose writes them to S3: JSON
//! objects back to back (no separator), one per delivery, each
//! `{"messageType": "DATA_MESSAGE", "owner": ..., "logGroup": ..., "logStream": ...,
//! "logEvents": [{"id": ..., "timestamp": ..., "message": "<flow-log record>"}]}`, or a
//! `CONTROL_MESSAGE` that CloudWatch sends to check the destination (not a record).
//!
//! Source: CloudWatch Logs user guide, "Subscription filters", "Example 3: Subscription
//! filters with Amazon Data Firehose" (the data "is compressed with gzip level 6 ... each
//! record is a JSON object"), and "Log data format" for the envelope's fields.

use std::io::Read;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

/// Largest envelope read: CloudWatch Logs delivers at most 1 MiB of events per envelope;
/// anything much larger is not an envelope, and is not held in memory whole.
const MAX_ENVELOPE: u64 = 16 * 1024 * 1024;

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "messageType")]
    message_type: String,
    #[serde(default)]
    owner: Option<String>,
    #[serde(rename = "logEvents", default)]
    log_events: Vec<LogEvent>,
}

#[derive(Deserialize)]
struct LogEvent {
    message: String,
}

/// What the envelope being read said about its source.
#[derive(Debug, Default)]
pub(crate) struct EnvelopeInfo {
    /// The account that owns the log group (`owner` of the current data message): the
    /// flow log's owner, used as the partition account when the path names none.
    owner: Mutex<Option<String>>,
}

impl EnvelopeInfo {
    /// The owner of the envelope whose records the last read returned.
    pub(crate) fn owner(&self) -> Option<String> {
        self.owner.lock().expect("lock").clone()
    }
}

/// Turns a stream of envelopes into flow-log text, one record per line, for the decoder.
pub(crate) struct EnvelopeRead<R: Read> {
    values: serde_json::StreamDeserializer<'static, serde_json::de::IoRead<Limited<R>>, Envelope>,
    limit: Arc<std::sync::atomic::AtomicU64>,
    text: Vec<u8>,
    pos: usize,
    info: Arc<EnvelopeInfo>,
}

impl<R: Read> EnvelopeRead<R> {
    pub(crate) fn new(inner: R, info: Arc<EnvelopeInfo>) -> Self {
        let limit = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let limited = Limited {
            inner,
            read: Arc::clone(&limit),
        };
        Self {
            values: serde_json::Deserializer::from_reader(limited).into_iter(),
            limit,
            text: Vec::new(),
            pos: 0,
            info,
        }
    }

    /// Fill `text` with the next data message's records; `false` at the end.
    fn next_envelope(&mut self) -> std::io::Result<bool> {
        loop {
            self.limit.store(0, std::sync::atomic::Ordering::Relaxed);
            let envelope = match self.values.next() {
                None => return Ok(false),
                Some(Ok(e)) => e,
                Some(Err(e)) if e.is_io() => {
                    let kind = e.io_error_kind().unwrap_or(std::io::ErrorKind::Other);
                    return Err(std::io::Error::new(kind, e));
                }
                Some(Err(e)) => {
                    let kind = if e.is_eof() {
                        std::io::ErrorKind::UnexpectedEof
                    } else {
                        std::io::ErrorKind::InvalidData
                    };
                    return Err(std::io::Error::new(
                        kind,
                        format!("not a CloudWatch Logs subscription envelope: {e}"),
                    ));
                }
            };
            if envelope.message_type != "DATA_MESSAGE" {
                continue;
            }
            *self.info.owner.lock().expect("lock") = envelope.owner.filter(|o| !o.is_empty());
            self.text.clear();
            self.pos = 0;
            for event in envelope.log_events {
                self.text
                    .extend_from_slice(event.message.trim_end().as_bytes());
                self.text.push(b'\n');
            }
            if !self.text.is_empty() {
                return Ok(true);
            }
        }
    }
}

impl<R: Read> Read for EnvelopeRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.text.len() && !self.next_envelope()? {
            return Ok(0);
        }
        let n = buf.len().min(self.text.len() - self.pos);
        buf[..n].copy_from_slice(&self.text[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A reader that fails once more than [`MAX_ENVELOPE`] bytes are read since the counter
/// was last reset (at each envelope).
struct Limited<R> {
    inner: R,
    read: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let total = self
            .read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed)
            + n as u64;
        if total > MAX_ENVELOPE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a JSON value longer than {} MiB: not a CloudWatch Logs subscription envelope",
                    MAX_ENVELOPE >> 20
                ),
            ));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(input: &str) -> (std::io::Result<String>, Arc<EnvelopeInfo>) {
        let info = Arc::new(EnvelopeInfo::default());
        let mut r = EnvelopeRead::new(input.as_bytes(), Arc::clone(&info));
        let mut out = String::new();
        (r.read_to_string(&mut out).map(|_| out), info)
    }

    #[test]
    fn data_messages_become_lines_and_control_messages_are_skipped() {
        let input = r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}{"messageType":"DATA_MESSAGE","owner":"444455556666","logGroup":"/vpc/flow-logs","logStream":"eni-1-all","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":2,"message":"2 444455556666 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 200 1 2 ACCEPT OK"},{"id":"2","timestamp":3,"message":"2 444455556666 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 400 1 2 ACCEPT OK"}]}
 {"messageType":"DATA_MESSAGE","owner":"444455556666","logGroup":"g","logStream":"s","subscriptionFilters":[],"logEvents":[]}"#;
        let (out, info) = text(input);
        let out = out.unwrap();
        assert_eq!(out.lines().count(), 2);
        assert!(out.lines().all(|l| l.starts_with("2 444455556666 eni-1")));
        assert_eq!(info.owner().as_deref(), Some("444455556666"));
    }

    #[test]
    fn a_cut_envelope_is_truncation_and_other_json_is_invalid() {
        let (out, _) = text(r#"{"messageType":"DATA_MESSAGE","logEvents":[{"message":"2 1"#);
        assert_eq!(out.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
        let (out, _) = text(r#"{"files": ["a", "b"]}"#);
        let err = out.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(
            err.to_string()
                .contains("not a CloudWatch Logs subscription envelope"),
            "{err}"
        );
    }
}
