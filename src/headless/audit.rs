//! `acrdeck audit`: the trail's changes, newest first, as a table or JSON.

use crate::audit::Entry;
use crate::cli::{AuditArgs, Output};
use std::path::Path;

/// Prints the trail at `path`; returns the exit status (0, or 3 when it cannot be read).
pub fn run(args: &AuditArgs, path: &Path, out: &mut impl std::io::Write) -> u8 {
    let (records, bad) = match crate::audit::read(path) {
        Ok(r) => r,
        Err(e) => {
            crate::process::say(&e.to_string());
            return super::imports::EXIT_UNREADABLE;
        }
    };
    if bad > 0 {
        crate::process::say(&format!(
            "{bad} line(s) of {} are not audit records (a write cut short?); they are left out",
            path.display()
        ));
    }
    let since = args.since.map(|d| chrono::Utc::now() - d);
    let entries: Vec<Entry> = crate::audit::entries(records)
        .into_iter()
        .filter(|e| match (since, e.time()) {
            (Some(s), Some(t)) => t >= s,
            _ => true,
        })
        .collect();
    let written = match args.output {
        Output::Json => {
            let doc: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "outcome": e.outcome_word(),
                        "intent": e.intent,
                        "result": e.outcome,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&doc)
                .map_err(std::io::Error::other)
                .and_then(|s| writeln!(out, "{s}"))
        }
        Output::Table => {
            let rows: Vec<Vec<String>> = entries
                .iter()
                .filter_map(|e| {
                    let r = e.latest()?;
                    Some(vec![
                        e.time()
                            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                            .unwrap_or_default(),
                        r.action.clone(),
                        e.outcome_word().to_uppercase(),
                        r.operator.principal.clone(),
                        r.target.clone(),
                        r.target_digest
                            .clone()
                            .or_else(|| r.source_digest.clone())
                            .unwrap_or_default(),
                        r.note.clone().or_else(|| r.error.clone()).unwrap_or_default(),
                    ])
                })
                .collect();
            write!(
                out,
                "{}",
                super::table(
                    &[
                        "TIME (UTC)",
                        "ACTION",
                        "OUTCOME",
                        "OPERATOR",
                        "TARGET",
                        "DIGEST",
                        "NOTE / ERROR"
                    ],
                    &rows
                )
            )
        }
    };
    match written {
        Ok(()) => 0,
        Err(e) => {
            crate::process::say(&format!("cannot write the audit trail out: {e}"));
            super::imports::EXIT_UNREADABLE
        }
    }
}
