//! `acrdeck imports plan`: the plan of images.txt files, as a table or JSON, with an exit status
//! a pull-request check can use.

use crate::acr::Acr;
use crate::cli::{Output, PlanArgs};
use crate::config::LoadedConfig;
use crate::imports::plan::{Status, plan};
use crate::imports::{self, ImagesFile, file};
use crate::text::short_hex;
use serde::Serialize;
use std::collections::HashSet;

pub const EXIT_PRESENT: u8 = 0;
pub const EXIT_WORK: u8 = 1;
pub const EXIT_INVALID: u8 = 2;
pub const EXIT_UNREADABLE: u8 = 3;

#[derive(Debug, Serialize)]
struct PlannedLine<'a> {
    file: &'a str,
    line: usize,
    source: String,
    target: String,
    registry: &'a str,
    #[serde(flatten)]
    status: &'a Status,
}

#[derive(Debug, Serialize)]
struct ProblemLine<'a> {
    file: &'a str,
    line: usize,
    text: &'a str,
    message: &'a str,
}

/// Which files to plan: those named (with their config binding when the config has them), or
/// every configured one.
pub fn files(args: &PlanArgs, loaded: &LoadedConfig) -> Result<Vec<ImagesFile>, String> {
    let configured = imports::configured(loaded);
    let first_stage = loaded.config.stages.first().map(|s| s.name.get_ref().clone());
    let mut out = Vec::new();
    if args.files.is_empty() {
        if configured.is_empty() {
            return Err("no FILE given and the config has no [[images]] files; name an images.txt".into());
        }
        out = configured;
    } else {
        for path in &args.files {
            let canonical = std::fs::canonicalize(path).ok();
            let bound = configured
                .iter()
                .find(|c| canonical.is_some() && std::fs::canonicalize(&c.path).ok() == canonical);
            out.push(match bound {
                Some(c) => ImagesFile {
                    label: path.display().to_string(),
                    ..c.clone()
                },
                None => ImagesFile {
                    path: path.clone(),
                    label: path.display().to_string(),
                    registry: first_stage.clone().unwrap_or_default(),
                    lock_after_import: false,
                    credentials: Default::default(),
                },
            });
        }
    }
    if let Some(r) = &args.registry {
        for f in &mut out {
            f.registry = r.clone();
        }
    }
    if let Some(f) = out.iter().find(|f| f.registry.is_empty()) {
        return Err(format!(
            "{}: no target registry: give --registry, or configure [[stages]] (the first stage is the default)",
            f.label
        ));
    }
    Ok(out)
}

/// Plans the files and prints the result; returns the exit status.
pub async fn run(args: &PlanArgs, loaded: &LoadedConfig, acr: &Acr, out: &mut impl std::io::Write) -> u8 {
    let files = match files(args, loaded) {
        Ok(f) => f,
        Err(e) => {
            crate::process::say(&e.to_string());
            return EXIT_INVALID;
        }
    };
    let reads = imports::read_files(&files);
    let mut unreadable = false;
    for r in &reads {
        if let Some(e) = &r.error {
            crate::process::say(&e.to_string());
            unreadable = true;
        }
    }
    let registries = match imports::environment(acr, &loaded.config.subscriptions).await {
        Ok(r) => r,
        Err(e) => {
            crate::process::say(&format!("cannot list the registries: {e}"));
            return EXIT_UNREADABLE;
        }
    };
    let readable: HashSet<String> = registries.iter().map(|r| r.properties.login_server.clone()).collect();
    let mut planned: Vec<(usize, &file::Entry, String, Status)> = Vec::new();
    for (i, r) in reads.iter().enumerate() {
        if r.parsed.entries.is_empty() {
            continue;
        }
        match imports::target_for(&registries, &loaded.config, &r.file) {
            Ok(t) => {
                let statuses = plan(acr, &t.login_server, &r.parsed.entries, &readable).await;
                for (e, s) in r.parsed.entries.iter().zip(statuses) {
                    planned.push((i, e, t.login_server.clone(), s));
                }
            }
            Err(e) => {
                crate::process::say(&e.to_string());
                unreadable = true;
            }
        }
    }
    let problems: Vec<&file::Problem> = reads.iter().flat_map(|r| &r.parsed.problems).collect();
    let written = match args.output {
        Output::Json => {
            let doc = serde_json::json!({
                "entries": planned.iter().map(|(_, e, reg, s)| PlannedLine {
                    file: &e.file,
                    line: e.line,
                    source: e.source.to_string(),
                    target: e.target(),
                    registry: reg,
                    status: s,
                }).collect::<Vec<_>>(),
                "problems": problems.iter().map(|p| ProblemLine {
                    file: &p.file,
                    line: p.line,
                    text: &p.text,
                    message: &p.message,
                }).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&doc)
                .map_err(std::io::Error::other)
                .and_then(|s| writeln!(out, "{s}"))
        }
        Output::Table => {
            let mut rows: Vec<(String, usize, Vec<String>)> = planned
                .iter()
                .map(|(_, e, reg, s)| {
                    (
                        e.file.clone(),
                        e.line,
                        vec![
                            e.location(),
                            s.name().to_uppercase(),
                            e.source.to_string(),
                            format!("{reg}/{}", e.target()),
                            detail(s),
                        ],
                    )
                })
                .collect();
            rows.extend(problems.iter().map(|p| {
                (
                    p.file.clone(),
                    p.line,
                    vec![
                        p.location(),
                        "INVALID".into(),
                        p.text.clone(),
                        String::new(),
                        p.message.clone(),
                    ],
                )
            }));
            rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            let rows: Vec<Vec<String>> = rows.into_iter().map(|r| r.2).collect();
            write!(
                out,
                "{}",
                super::table(&["LINE", "STATUS", "SOURCE", "TARGET", "DETAIL"], &rows)
            )
        }
    };
    if let Err(e) = written {
        crate::process::say(&format!("cannot write the plan: {e}"));
        return EXIT_UNREADABLE;
    }
    exit_status(
        &planned.iter().map(|p| &p.3).collect::<Vec<_>>(),
        !problems.is_empty(),
        unreadable,
    )
}

/// The exit status: invalid lines win, then unreadable files or registries, then work to do.
pub fn exit_status(statuses: &[&Status], invalid: bool, unreadable: bool) -> u8 {
    if invalid {
        return EXIT_INVALID;
    }
    if unreadable || statuses.iter().any(|s| matches!(s, Status::Unknown { .. })) {
        return EXIT_UNREADABLE;
    }
    let work = statuses.iter().any(|s| match s {
        Status::Queued | Status::Drifted { .. } => true,
        // A locked repository without the tag: the image is missing and cannot be imported.
        Status::Locked { digest, .. } => digest.is_empty(),
        _ => false,
    });
    if work { EXIT_WORK } else { EXIT_PRESENT }
}

fn when(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| format!(", written {}", t.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default()
}

fn detail(s: &Status) -> String {
    match s {
        Status::Queued => "the target tag is missing: import it".into(),
        Status::Present {
            digest,
            updated,
            source_digest,
        } => format!(
            "{}{}{}",
            short_hex(digest),
            when(updated),
            if source_digest.is_some() {
                ", same digest as the source"
            } else {
                ""
            }
        ),
        Status::Drifted {
            digest,
            updated,
            source_digest,
        } => format!(
            "{}{} but the source is {}: import with Force to replace it",
            short_hex(digest),
            when(updated),
            short_hex(source_digest)
        ),
        Status::Locked { digest, repository, .. } => match (repository, digest.is_empty()) {
            (true, true) => "the repository is write-locked and has no such tag: an import would be refused".into(),
            (true, false) => format!("{}, in a write-locked repository", short_hex(digest)),
            (false, _) => format!("{}, write-locked", short_hex(digest)),
        },
        Status::Unknown { error } => error.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_orders_invalid_unreadable_work_present() {
        let present = Status::Present {
            digest: "sha256:aa".into(),
            updated: None,
            source_digest: None,
        };
        let locked_repo_missing = Status::Locked {
            digest: String::new(),
            updated: None,
            repository: true,
        };
        let unknown = Status::Unknown { error: "x".into() };
        assert_eq!(exit_status(&[&present], false, false), EXIT_PRESENT);
        assert_eq!(exit_status(&[], false, false), EXIT_PRESENT);
        assert_eq!(exit_status(&[&present, &Status::Queued], false, false), EXIT_WORK);
        assert_eq!(exit_status(&[&locked_repo_missing], false, false), EXIT_WORK);
        assert_eq!(exit_status(&[&present, &unknown], false, false), EXIT_UNREADABLE);
        assert_eq!(exit_status(&[&Status::Queued], true, true), EXIT_INVALID);
    }
}
