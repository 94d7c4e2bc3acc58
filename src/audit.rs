//! The operator audit trail: an append-only JSON-lines file in the state directory, one record
//! when an operator asks for a change (the intent) and one when it ends (the outcome), so a crash
//! between the two shows as an intent without an outcome.
//!
//! Each record is written and synced to the disk (fsync) before the change it announces is
//! sent: the records of a process killed a moment later, or of a machine that lost power, are
//! the ones an audit needs. The file is opened without following a symbolic link (a link planted
//! in its place could send the records elsewhere), kept readable by its owner only (a wider mode
//! found on opening is narrowed, with a warning), and a torn last line (a crash mid-write) is
//! ended before the next record so the two never merge; it is reported, and `read` counts it.
//! Records hold references, digests, notes and request ids, never a credential: nothing secret
//! is ever handed to this module.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file name in the state directory.
pub const FILE_NAME: &str = "audit.jsonl";

/// Who acted, as the token says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// upn for people, the application's name or id for service principals.
    pub principal: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
}

impl From<&crate::acr::Identity> for Operator {
    fn from(i: &crate::acr::Identity) -> Operator {
        Operator {
            principal: i.principal.clone(),
            object_id: i.object_id.clone(),
            tenant: i.tenant.clone(),
            app_id: i.app_id.clone(),
        }
    }
}

/// Intent or outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Intent,
    Outcome,
}

/// One line of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// UTC.
    pub time: DateTime<Utc>,
    /// Ties an outcome to its intent.
    pub id: String,
    pub phase: Phase,
    /// import, promote, lock, unlock, cancel-run, schedule-run.
    pub action: String,
    pub operator: Operator,
    pub host: String,
    /// Where the request came from, e.g. `images.txt:3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_digest: Option<String>,
    /// `login-server/repository:tag`, or what else was acted on.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_digest: Option<String>,
    /// NoForce or Force, for imports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For outcomes: imported, failed, skipped, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For outcomes: what the registry reports after the change, as read back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_ids: Vec<String>,
}

impl Record {
    /// An intent record with a fresh id; fill in the rest with struct update syntax.
    pub fn intent(action: &str, operator: Operator, target: String) -> Record {
        Record {
            time: Utc::now(),
            id: uuid::Uuid::new_v4().to_string(),
            phase: Phase::Intent,
            action: action.to_string(),
            operator,
            host: host_name(),
            origin: None,
            source: None,
            source_digest: None,
            target,
            target_digest: None,
            mode: None,
            note: None,
            outcome: None,
            error: None,
            detail: None,
            request_ids: vec![],
        }
    }

    /// The outcome of this intent: same id, action, operator and references.
    pub fn outcome(&self, outcome: &str) -> Record {
        Record {
            time: Utc::now(),
            phase: Phase::Outcome,
            outcome: Some(outcome.to_string()),
            ..self.clone()
        }
    }
}

/// The machine's name, for the `host` of records.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// The open trail (share it with an `Arc`).
pub struct AuditTrail {
    path: PathBuf,
    file: Mutex<std::fs::File>,
    warnings: Vec<String>,
}

impl std::fmt::Debug for AuditTrail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditTrail").field("path", &self.path).finish()
    }
}

/// Opens `path` for appending, creating it owner-only, refusing a symbolic link.
fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    opts.open(path)
}

impl AuditTrail {
    /// Opens (creating, owner-only) `dir/audit.jsonl` for appending. What was found wrong and
    /// mended on the way (a mode readable by others, a torn last line) is in [`Self::warnings`].
    pub fn open(dir: &Path) -> Result<AuditTrail, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the audit directory {}: {e}", dir.display()))?;
        let path = dir.join(FILE_NAME);
        let cannot = |e: std::io::Error| {
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
                format!(
                    "the audit trail {} is a symbolic link; acrdeck does not follow it (records could be sent \
                     elsewhere): replace it with a plain file",
                    path.display()
                )
            } else {
                format!("cannot open the audit trail {}: {e}", path.display())
            }
        };
        let mut file = open_append(&path).map_err(cannot)?;
        let mut warnings = Vec::new();
        let meta = file.metadata().map_err(cannot)?;
        if !meta.is_file() {
            return Err(format!("the audit trail {} is not a plain file", path.display()));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                file.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| format!("cannot make the audit trail {} owner-only: {e}", path.display()))?;
                warnings.push(format!(
                    "the audit trail {} was readable by others (mode {mode:o}); it is owner-only (600) now",
                    path.display()
                ));
            }
        }
        if meta.len() > 0 && !ends_with_newline(&mut file).map_err(cannot)? {
            // A record cut off mid-write: end its line so the next record stands on its own.
            file.write_all(b"\n")
                .and_then(|_| file.sync_data())
                .map_err(|e| format!("cannot append to the audit trail {}: {e}", path.display()))?;
            warnings.push(format!(
                "the audit trail {} ended in a torn record (acrdeck stopped while writing it); it is kept \
                 as it is, on a line of its own, and counted as unreadable by `acrdeck audit`",
                path.display()
            ));
        }
        Ok(AuditTrail {
            path,
            file: Mutex::new(file),
            warnings,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What opening found wrong and mended, for the operator to hear of.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Appends one record as one line and syncs it to the disk. An error here must stop the
    /// change it announces.
    pub fn append(&self, record: &Record) -> Result<(), String> {
        let mut line = serde_json::to_vec(record).map_err(|e| format!("cannot write an audit record: {e}"))?;
        line.push(b'\n');
        let mut f = self
            .file
            .lock()
            .map_err(|_| "the audit trail is unusable after an earlier failure".to_string())?;
        f.write_all(&line)
            .and_then(|_| f.sync_data())
            .map_err(|e| format!("cannot append to the audit trail {}: {e}", self.path.display()))
    }
}

/// Whether the file's last byte is a line end.
fn ends_with_newline(file: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// Reads a trail, oldest first. Lines that are not records (a torn last line after a crash) are
/// counted, not fatal.
pub fn read(path: &Path) -> Result<(Vec<Record>, usize), String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((vec![], 0)),
        Err(e) => return Err(format!("cannot read the audit trail {}: {e}", path.display())),
    };
    let mut records = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str(line) {
            Ok(r) => records.push(r),
            Err(_) => bad += 1,
        }
    }
    Ok((records, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_and_outcome_lines_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let trail = AuditTrail::open(dir.path()).unwrap();
        let op = Operator {
            principal: "ops@contoso.com".into(),
            ..Default::default()
        };
        let intent = Record {
            note: Some("CHG-1234".into()),
            mode: Some("NoForce".into()),
            ..Record::intent("import", op, "contosodev.azurecr.io/a:1".into())
        };
        trail.append(&intent).unwrap();
        let mut done = intent.outcome("imported");
        done.target_digest = Some("sha256:ab".into());
        trail.append(&done).unwrap();
        let (records, bad) = read(trail.path()).unwrap();
        assert_eq!(bad, 0);
        assert_eq!(records, vec![intent.clone(), done]);
        assert_eq!(records[0].id, records[1].id);
        let text = std::fs::read_to_string(trail.path()).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.lines().next().unwrap().contains(r#""phase":"intent""#));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(trail.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // Reopening appends.
        drop(trail);
        let again = AuditTrail::open(dir.path()).unwrap();
        again.append(&intent.outcome("failed")).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(again.path())
            .unwrap()
            .write_all(b"{\"torn")
            .unwrap();
        let (records, bad) = read(again.path()).unwrap();
        assert_eq!((records.len(), bad), (3, 1));
        // The next opening ends the torn line: the next record stands on its own.
        drop(again);
        let mended = AuditTrail::open(dir.path()).unwrap();
        assert_eq!(mended.warnings().len(), 1, "{:?}", mended.warnings());
        assert!(mended.warnings()[0].contains("torn"));
        mended.append(&intent.outcome("imported")).unwrap();
        let (records, bad) = read(mended.path()).unwrap();
        assert_eq!(
            (records.len(), bad),
            (4, 1),
            "the torn line and the new record stay apart"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_refused_and_a_wide_mode_narrowed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere.jsonl");
        std::fs::write(&elsewhere, "").unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::os::unix::fs::symlink(&elsewhere, state.join(FILE_NAME)).unwrap();
        let e = AuditTrail::open(&state).unwrap_err();
        assert!(e.contains("symbolic link"), "{e}");

        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::write(open.join(FILE_NAME), "").unwrap();
        std::fs::set_permissions(open.join(FILE_NAME), std::fs::Permissions::from_mode(0o644)).unwrap();
        let trail = AuditTrail::open(&open).unwrap();
        assert!(
            trail.warnings()[0].contains("readable by others"),
            "{:?}",
            trail.warnings()
        );
        let mode = std::fs::metadata(trail.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

/// One change in the trail: its intent and its outcome, tied by id. An intent without an outcome
/// is a change still running, or one acrdeck stopped in the middle of (a crash, a kill).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub intent: Option<Record>,
    pub outcome: Option<Record>,
}

impl Entry {
    /// The record that says the most: the outcome when there is one.
    pub fn latest(&self) -> Option<&Record> {
        self.outcome.as_ref().or(self.intent.as_ref())
    }

    /// When it was asked for (or, without an intent, when it ended).
    pub fn time(&self) -> Option<DateTime<Utc>> {
        self.intent.as_ref().or(self.outcome.as_ref()).map(|r| r.time)
    }

    /// `imported`, `failed`, `done`, …, or `no outcome`.
    pub fn outcome_word(&self) -> &str {
        self.outcome
            .as_ref()
            .and_then(|o| o.outcome.as_deref())
            .unwrap_or("no outcome")
    }
}

/// Pairs intents with outcomes, newest first.
pub fn entries(records: Vec<Record>) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut by_id: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in records {
        match (r.phase, by_id.get(&r.id)) {
            (Phase::Outcome, Some(&i)) if out[i].outcome.is_none() => out[i].outcome = Some(r),
            (Phase::Intent, _) => {
                by_id.insert(r.id.clone(), out.len());
                out.push(Entry {
                    intent: Some(r),
                    outcome: None,
                });
            }
            (Phase::Outcome, _) => out.push(Entry {
                intent: None,
                outcome: Some(r),
            }),
        }
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.time()));
    out
}

#[cfg(test)]
mod entry_tests {
    use super::*;

    #[test]
    fn intents_meet_their_outcomes_newest_first_and_a_crash_shows() {
        let op = Operator::default();
        let a = Record::intent("promote", op.clone(), "p/app:1".into());
        let mut b = Record::intent("import", op, "d/x:1".into());
        b.time = a.time + chrono::Duration::seconds(5);
        let a_done = a.outcome("imported");
        let list = entries(vec![a.clone(), b.clone(), a_done.clone()]);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].intent.as_ref(), Some(&b), "newest first");
        assert_eq!(
            list[0].outcome_word(),
            "no outcome",
            "killed mid-change: the intent alone"
        );
        assert_eq!(list[1].outcome.as_ref(), Some(&a_done));
        assert_eq!(list[1].outcome_word(), "imported");
    }
}
