//! Runs one approved import: importImage through the client's long-running operation, then the
//! target tag read back from the registry (its digest checked against the source's when known),
//! then the file's lock policy applied and read back. Nothing is reported imported that the
//! registry does not show.

use super::file::Entry;
use crate::acr::model::{AttributesUpdate, ImportMode};
use crate::acr::{Acr, Failure, ImportRequest, ImportSource, OperationProgress, RegistryRef};
use azure_core::credentials::Secret;
use futures::StreamExt;
use std::collections::HashMap;
use std::path::PathBuf;

/// How many imports run at once: ACR's write budget (100 a minute on Basic) is far away, and
/// more at once only makes each one's progress harder to follow.
pub const IMPORT_CONCURRENCY: usize = 4;

/// Where an upstream's credentials are read from (the config's reference, paths resolved).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialSource {
    pub username: Option<String>,
    pub username_env: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
}

impl CredentialSource {
    /// Reads the user name and the secret now (an environment variable may have been set since
    /// acrdeck started). The error names the variable or file, never a value.
    pub fn read(&self, host: &str) -> Result<(String, Secret), String> {
        let username = match (&self.username, &self.username_env) {
            (Some(u), _) => u.clone(),
            (None, Some(var)) => std::env::var(var)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(|v| v.trim().to_string())
                .ok_or_else(|| {
                    format!(
                        "the user name for {host} is to come from the environment variable {var}, which is \
                         not set; set it, or change images.credentials.\"{host}\" in the config"
                    )
                })?,
            (None, None) => {
                return Err(format!(
                    "images.credentials.\"{host}\" in the config gives no username or username_env"
                ));
            }
        };
        let secret = crate::acr::auth::secret_from(
            self.password_env.as_deref(),
            self.password_file.as_deref(),
            &format!("password for {host}"),
        )
        .map_err(|e| {
            format!(
                "{}: {} (set by images.credentials.\"{host}\" in the config)",
                e.target, e.message
            )
        })?;
        Ok((username, secret))
    }
}

/// The names a host goes by: docker.io's aliases are one registry.
pub fn canonical_host(host: &str) -> String {
    let h = host.to_ascii_lowercase();
    match h.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => "docker.io".into(),
        _ => h,
    }
}

/// One approved line and how it is to be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved {
    pub entry: Entry,
    /// NoForce for a missing tag; Force only for a drifted one, which the operator chose to replace.
    pub mode: ImportMode,
    /// The digest the source has (pinned, or read when planning), to check the result against.
    pub expected_digest: Option<String>,
}

/// Where the imports go and what they may use.
#[derive(Debug, Clone)]
pub struct Target {
    pub registry: RegistryRef,
    pub login_server: String,
    /// Lock imported tags (write and delete) once verified.
    pub lock_after_import: bool,
    /// Upstream credentials by canonical host.
    pub credentials: HashMap<String, CredentialSource>,
    /// Registries of the environment by login server (lower case): imported from by resource
    /// id, which needs no credentials.
    pub registries: HashMap<String, RegistryRef>,
}

/// How far an import has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Requested,
    Accepted { request_id: Option<String> },
    Polling { polls: u32 },
    Verifying,
    Locking,
}

/// How an import ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The registry shows the tag at `digest` (and locked when `locked`).
    Imported {
        digest: String,
        locked: bool,
        request_ids: Vec<String>,
    },
    Failed {
        error: Failure,
        request_ids: Vec<String>,
    },
}

impl Outcome {
    /// `imported`, `failed`, or `unknown` when the answer was lost and reading the target back
    /// could not tell whether the import happened.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Imported { .. } => "imported",
            Outcome::Failed { error, .. } if error.is_outcome_unknown() => "unknown",
            Outcome::Failed { .. } => "failed",
        }
    }
}

/// How long the target tag is watched after importImage's answer was lost: the service runs
/// an import in the background, so a tag that has not changed at once may change shortly.
pub const LOST_ANSWER_WATCH: std::time::Duration = std::time::Duration::from_secs(30);

/// What reading the target back says after importImage's answer was lost.
enum LostAnswer {
    /// The tag now holds this (changed since before the request, or already the expected digest).
    Carried(crate::acr::model::TagProperties),
    /// The tag did not change within [`LOST_ANSWER_WATCH`], or could not be read.
    Unsettled(String),
}

/// Watches the target tag after a lost answer until it differs from `before` (or holds the
/// `expected` digest), at most [`LOST_ANSWER_WATCH`].
async fn read_back_lost_import(
    client: &crate::acr::RegistryClient,
    (repository, tag_name): (&str, &str),
    before: Option<&str>,
    expected: Option<&str>,
) -> LostAnswer {
    let until = tokio::time::Instant::now() + LOST_ANSWER_WATCH;
    loop {
        let last_error = match client.tag(repository, tag_name).await {
            Ok(t) if Some(t.digest.as_str()) != before || expected == Some(t.digest.as_str()) => {
                return LostAnswer::Carried(t);
            }
            Ok(_) => None,
            Err(e) if e.kind == crate::acr::ErrorKind::NotFound => None,
            Err(e) => Some(e.to_string()),
        };
        if tokio::time::Instant::now() >= until {
            return LostAnswer::Unsettled(match last_error {
                Some(e) => format!("reading it back failed: {e}"),
                None => format!(
                    "it has not changed in {} s: the import was not carried out, or is still running",
                    LOST_ANSWER_WATCH.as_secs()
                ),
            });
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
}

/// The importImage request for a line, credentials read as the request is built.
pub fn request(target: &Target, a: &Approved) -> Result<ImportRequest, String> {
    let e = &a.entry;
    let host = e.source.registry();
    let source = match target.registries.get(&host.to_ascii_lowercase()) {
        Some(r) => ImportSource::Registry { resource_id: r.id() },
        None => {
            let credentials = match target.credentials.get(&canonical_host(host)) {
                Some(c) => Some(c.read(host)?),
                None => None,
            };
            ImportSource::Uri {
                registry_uri: host.to_string(),
                credentials,
            }
        }
    };
    Ok(ImportRequest {
        source,
        source_image: e.source.source_image(),
        target_tags: vec![e.target()],
        untagged_repositories: vec![],
        mode: a.mode.clone(),
    })
}

/// Imports one line and verifies it; `step` hears of each stage.
pub async fn import(acr: &Acr, target: &Target, a: &Approved, step: impl FnMut(Step)) -> Outcome {
    let e = &a.entry;
    let req = match request(target, a) {
        Ok(r) => r,
        Err(error) => {
            return Outcome::Failed {
                error: error.into(),
                request_ids: vec![],
            };
        }
    };
    let lock = target.lock_after_import.then_some((true, true));
    let mut outcome = import_verified(
        acr,
        &target.registry,
        &target.login_server,
        &req,
        (&e.destination, e.tag()),
        a.expected_digest.as_deref(),
        lock,
        step,
    )
    .await;
    if let Outcome::Failed {
        error: Failure::Client(error),
        ..
    } = &mut outcome
        && error.code.as_deref() == Some("SourceCredentialsRequired")
        && !target.credentials.contains_key(&canonical_host(e.source.registry()))
    {
        error.advice = Some(format!(
            "The config has no images.credentials.\"{}\" for this file: add one naming an \
             environment variable or a file that holds the token.",
            canonical_host(e.source.registry())
        ));
    }
    outcome
}

/// The core of every import acrdeck makes (queued lines, promotions): importImage through the
/// LRO, the target tag read back (and its digest checked against `expected` when given), then
/// the lock `(write, delete)` applied and read back. `target` is `(repository, tag)`.
#[allow(clippy::too_many_arguments)]
pub async fn import_verified(
    acr: &Acr,
    registry: &RegistryRef,
    login_server: &str,
    req: &ImportRequest,
    target: (&str, &str),
    expected: Option<&str>,
    lock: Option<(bool, bool)>,
    mut step: impl FnMut(Step),
) -> Outcome {
    let (repository, tag_name) = target;
    let shown = format!("{repository}:{tag_name}");
    let mut request_ids = Vec::new();
    let failed = |error: Failure, request_ids: Vec<String>| Outcome::Failed { error, request_ids };
    let arm = match acr.arm() {
        Ok(a) => a,
        Err(err) => return failed(err.into(), request_ids),
    };
    let client = match acr.registry(login_server) {
        Ok(c) => c,
        Err(err) => return failed(err.into(), request_ids),
    };
    // What the target holds before the request, so a lost answer can be settled by reading
    // it again: a tag that changed was imported.
    let before = client.tag(repository, tag_name).await.ok().map(|t| t.digest);
    step(Step::Requested);
    let mut progress = arm.import_image(registry, req);
    let mut last = None;
    while let Some(p) = progress.next().await {
        match &p {
            OperationProgress::Accepted { request_id } => {
                request_ids.extend(request_id.clone());
                step(Step::Accepted {
                    request_id: request_id.clone(),
                });
            }
            OperationProgress::Running { polls } => step(Step::Polling { polls: *polls }),
            _ => {}
        }
        last = Some(p);
    }
    let lost = match last {
        Some(OperationProgress::Failed(err)) if err.kind == crate::acr::ErrorKind::OutcomeUnknown => Some(err),
        Some(OperationProgress::Failed(err)) => {
            request_ids.extend(err.request_id.clone());
            return failed(err.into(), request_ids);
        }
        Some(OperationProgress::Succeeded) => None,
        _ => return failed("the import ended without a result from the service".into(), request_ids),
    };
    step(Step::Verifying);
    let tag = match lost {
        // The answer was lost: never sent again; the target says what happened.
        Some(mut err) => match read_back_lost_import(&client, target, before.as_deref(), expected).await {
            LostAnswer::Carried(t) => t,
            LostAnswer::Unsettled(why) => {
                err.message = format!("{}; {shown} read back: {why}", err.message);
                err.advice = Some(format!(
                    "Check {login_server}/{shown} (and the registry's activity) before approving this line again."
                ));
                return failed(err.into(), request_ids);
            }
        },
        None => match client.tag(repository, tag_name).await {
            Ok(t) => t,
            Err(err) => {
                return failed(
                    format!("the import reported success, but reading {shown} back failed: {err}").into(),
                    request_ids,
                );
            }
        },
    };
    if let Some(expected) = expected
        && expected != tag.digest
    {
        return failed(
            format!(
                "DIGEST MISMATCH: {shown} now has digest {}, not the source's {expected}: the registry holds \
                 other bytes than were approved; inspect the tag before anything uses it",
                tag.digest
            )
            .into(),
            request_ids,
        );
    }
    let Some((write, delete)) = lock.filter(|(w, d)| *w || *d) else {
        return Outcome::Imported {
            digest: tag.digest,
            locked: false,
            request_ids,
        };
    };
    step(Step::Locking);
    lock_imported(&client, target, tag.digest, (write, delete), request_ids).await
}

/// Locks an imported, verified tag and reads the lock back.
async fn lock_imported(
    client: &crate::acr::RegistryClient,
    (repository, tag_name): (&str, &str),
    digest: String,
    (write, delete): (bool, bool),
    request_ids: Vec<String>,
) -> Outcome {
    let shown = format!("{repository}:{tag_name}");
    let update = AttributesUpdate {
        write_enabled: write.then_some(false),
        delete_enabled: delete.then_some(false),
        ..Default::default()
    };
    let locked = match client.update_tag(repository, tag_name, &update).await {
        Ok(_) => client.tag(repository, tag_name).await,
        Err(err) => Err(err),
    };
    let failed = |error: Failure| Outcome::Failed {
        error,
        request_ids: request_ids.clone(),
    };
    match locked {
        Ok(t)
            if (!write || !t.changeable_attributes.write_enabled)
                && (!delete || !t.changeable_attributes.delete_enabled) =>
        {
            Outcome::Imported {
                digest,
                locked: true,
                request_ids,
            }
        }
        Ok(_) => failed(
            format!(
                "imported and verified as {digest}, but the lock did not hold: the registry still allows writes or \
                 deletes on {shown}; lock it by hand"
            )
            .into(),
        ),
        Err(err) => failed(format!("imported and verified as {digest}, but locking failed: {err}").into()),
    }
}

/// Who approved a batch, and the note they gave: recorded with every import of it.
#[derive(Debug, Clone)]
pub struct Approval {
    pub operator: crate::audit::Operator,
    pub note: Option<String>,
}

/// The audit intent of an import, before anything is sent.
fn intent(target: &Target, a: &Approved, approval: &Approval) -> crate::audit::Record {
    crate::audit::Record {
        origin: Some(a.entry.location()),
        source: Some(a.entry.source.to_string()),
        source_digest: a.expected_digest.clone(),
        mode: Some(a.mode.as_str().to_string()),
        note: approval.note.clone(),
        ..crate::audit::Record::intent(
            "import",
            approval.operator.clone(),
            format!("{}/{}", target.login_server, a.entry.target()),
        )
    }
}

/// Imports one approved line with its audit records around it: the intent first (if it cannot
/// be written, nothing is sent), the outcome after. The second value is a failure to write the
/// outcome record, which the operator must hear of.
pub async fn run(
    acr: &Acr,
    target: &Target,
    a: &Approved,
    approval: &Approval,
    audit: &crate::audit::AuditTrail,
    step: impl FnMut(Step),
) -> (Outcome, Option<String>) {
    let intent = intent(target, a, approval);
    if let Err(e) = audit.append(&intent) {
        return (
            Outcome::Failed {
                error: format!("not started: {e}; nothing is imported without its audit record").into(),
                request_ids: vec![],
            },
            None,
        );
    }
    let outcome = import(acr, target, a, step).await;
    let audit_error = audit.append(&outcome_record(&intent, &outcome)).err();
    (outcome, audit_error)
}

/// The audit outcome of an intent: the digest read back, or the error; the request ids.
pub fn outcome_record(intent: &crate::audit::Record, outcome: &Outcome) -> crate::audit::Record {
    let mut record = intent.outcome(outcome.name());
    match outcome {
        Outcome::Imported {
            digest, request_ids, ..
        } => {
            record.target_digest = Some(digest.clone());
            record.request_ids = request_ids.clone();
        }
        Outcome::Failed { error, request_ids } => {
            record.error = Some(error.to_string());
            record.request_ids = request_ids.clone();
        }
    }
    record
}

/// Records an approved line that was not imported, and why (already present, locked).
pub fn skip(
    target: &Target,
    a: &Approved,
    approval: &Approval,
    reason: &str,
    audit: &crate::audit::AuditTrail,
) -> Result<(), String> {
    let intent = intent(target, a, approval);
    audit.append(&intent)?;
    let mut record = intent.outcome("skipped");
    record.error = Some(reason.to_string());
    audit.append(&record)
}
