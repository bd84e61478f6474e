//! The AWS shared configuration files: `~/.aws/credentials` and `~/.aws/config`.
//!
//! Only what flowlake can act on is read: static keys, a session token, `region`,
//! `endpoint_url` and `credential_process`. Profiles that need an AWS service to produce
//! credentials (a role to assume, IAM Identity Center) are named in the error with the
//! AWS CLI command that turns them into environment variables.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::{Result, StoreError};

/// The settings of one profile, from both files (the credentials file wins).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Profile {
    pub name: String,
    values: HashMap<String, String>,
    pub sources: Vec<PathBuf>,
}

impl Profile {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

fn file_from_env(var: &str, default: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".aws").join(default)))
}

/// Read profile `name` from the shared files. `None` when neither file has it.
pub(crate) fn load(name: &str) -> Result<Option<Profile>> {
    let mut profile = Profile {
        name: name.to_string(),
        ..Profile::default()
    };
    // The config file names sections `[profile NAME]`, except `[default]`.
    let files = [
        (file_from_env("AWS_CONFIG_FILE", "config"), true),
        (
            file_from_env("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
            false,
        ),
    ];
    let mut found = false;
    for (path, is_config) in files {
        let Some(path) = path else { continue };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(StoreError::Profile {
                    profile: name.to_string(),
                    message: format!("cannot read {}: {e}", path.display()),
                });
            }
        };
        if let Some(values) = section(&text, name, is_config) {
            found = true;
            profile.values.extend(values);
            profile.sources.push(path);
        }
    }
    Ok(found.then_some(profile))
}

/// The `key = value` pairs of a section of an INI-style AWS file. Nested blocks
/// (`s3 =` followed by indented lines) are skipped.
fn section(text: &str, name: &str, is_config: bool) -> Option<HashMap<String, String>> {
    let mut values = None::<HashMap<String, String>>;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let header = header.trim();
            let this = if is_config && header != "default" {
                header
                    .strip_prefix("profile")
                    .filter(|rest| rest.starts_with(char::is_whitespace))
                    .map(str::trim)
            } else {
                Some(header)
            };
            if this == Some(name) {
                values.get_or_insert_with(HashMap::new);
            } else if values.is_some() {
                break;
            }
            continue;
        }
        let Some(values) = values.as_mut() else {
            continue;
        };
        if raw.starts_with(char::is_whitespace) {
            continue; // a nested setting
        }
        if let Some((k, v)) = line.split_once('=') {
            values.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    values
}

/// Credentials from a profile's `credential_process`: the command's JSON output.
pub(crate) fn run_credential_process(
    profile: &str,
    command: &str,
) -> Result<(String, String, Option<String>)> {
    let err = |message: String| StoreError::Profile {
        profile: profile.to_string(),
        message,
    };
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| err(format!("credential_process {command:?} could not run: {e}")))?;
    if !output.status.success() {
        return Err(err(format!(
            "credential_process {command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        err(format!(
            "credential_process {command:?} printed no JSON: {e}"
        ))
    })?;
    let field = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
    match (field("AccessKeyId"), field("SecretAccessKey")) {
        (Some(id), Some(secret)) => Ok((id, secret, field("SessionToken"))),
        _ => Err(err(format!(
            "credential_process {command:?} printed no AccessKeyId and SecretAccessKey"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
[default]
region = eu-west-1

[profile lab]
region = us-east-2
endpoint_url = http://127.0.0.1:9000
s3 =
  max_concurrent_requests = 20
output = json

[profile other]
region = ap-south-1
";

    #[test]
    fn reads_config_sections() {
        let lab = section(CONFIG, "lab", true).unwrap();
        assert_eq!(lab["region"], "us-east-2");
        assert_eq!(lab["endpoint_url"], "http://127.0.0.1:9000");
        assert!(!lab.contains_key("max_concurrent_requests"));
        assert_eq!(
            section(CONFIG, "default", true).unwrap()["region"],
            "eu-west-1"
        );
        assert!(section(CONFIG, "missing", true).is_none());
        // In the credentials file, sections are bare names.
        let creds = "[lab]\naws_access_key_id = AKIA1\naws_secret_access_key=s3cr3t\n";
        let lab = section(creds, "lab", false).unwrap();
        assert_eq!(lab["aws_access_key_id"], "AKIA1");
        assert_eq!(lab["aws_secret_access_key"], "s3cr3t");
        assert!(section(creds, "lab", true).is_none());
    }

    #[test]
    fn credential_process_output() {
        let ok = run_credential_process(
            "p",
            r#"echo '{"Version": 1, "AccessKeyId": "AKIA2", "SecretAccessKey": "x", "SessionToken": "t"}'"#,
        )
        .unwrap();
        assert_eq!(ok, ("AKIA2".into(), "x".into(), Some("t".into())));
        let e = run_credential_process("p", "echo nope >&2; exit 3")
            .unwrap_err()
            .to_string();
        assert!(e.contains("failed") && e.contains("nope"), "{e}");
    }
}
