//! `acrdeck promote request|list|approve|reject|run`: the two-person rule without the
//! dashboard, so a pipeline can hold to the same rule. Each prints one table or one JSON
//! document; the exit status says whether it was done (0), refused or failed (1), used wrongly
//! (2), or, for `run`, left unknown (3).

use super::reads::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::acr::Acr;
use crate::cli::{Output, PromoteCommand};
use crate::config::Config;
use crate::imports::execute::Outcome;
use crate::process::say;
use crate::promote::approval::{Decision, Found, Judgement, State};
use crate::promote::requests;
use crate::promote::{self, ResolvedStage};
use serde::Serialize;
use std::io::Write;

/// The promotion's outcome could not be told (the answer was lost and reading back did not
/// settle it).
pub const EXIT_UNKNOWN: u8 = 3;

/// A request with where it stands, as printed.
#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    #[serde(flatten)]
    found: &'a Found,
    judgement: &'a Judgement,
    /// Why it may not run now; none when it may.
    refusal: Option<String>,
}

async fn stages(acr: &Acr, config: &Config) -> Result<Vec<ResolvedStage>, String> {
    let registries = crate::imports::environment(acr, &config.subscriptions)
        .await
        .map_err(|e| e.to_string())?;
    promote::resolve(&registries, &promote::stages(config))
}

fn stage_index(stages: &[ResolvedStage], name: &str) -> Result<usize, String> {
    stages
        .iter()
        .position(|s| s.stage.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let names: Vec<&str> = stages.iter().map(|s| s.stage.name.as_str()).collect();
            format!("`{name}` is not a stage ({})", names.join(", "))
        })
}

fn state_text(j: &Judgement) -> String {
    match &j.state {
        State::Pending { approvals, needed } => format!("pending {approvals}/{needed}"),
        State::Approved { approvals, needed } if j.blockers.is_empty() => format!("approved {approvals}/{needed}"),
        State::Approved { .. } => "approved, blocked".into(),
        State::Rejected { by, .. } => format!("rejected by {by}"),
        State::Expired { .. } => "expired".into(),
        State::Moved { .. } => "tag moved".into(),
        State::Promoted => "promoted".into(),
    }
}

fn print(output: Output, rows: &[Row<'_>], out: &mut dyn Write) -> std::io::Result<()> {
    if output == Output::Json {
        return writeln!(out, "{}", serde_json::to_string(rows).unwrap_or_default());
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let q = &r.found.request;
            vec![
                crate::text::short_hex(r.id).to_string(),
                format!("{} -> {}", q.source_stage, q.target_stage),
                format!("{}:{}", q.repository, q.tag),
                crate::text::short_hex(&q.digest).to_string(),
                q.requester.name.clone(),
                state_text(r.judgement),
                r.refusal.clone().unwrap_or_else(|| "may run".into()),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        super::table(
            &["REQUEST", "STAGES", "IMAGE", "DIGEST", "REQUESTER", "STATE", "NOW"],
            &cells
        )
    )
}

/// Why a subcommand did not do its work: the command was used wrongly (exit 2) or it was
/// refused or failed (exit 1).
enum Stop {
    Usage(String),
    Failed(String),
}

impl From<String> for Stop {
    fn from(e: String) -> Stop {
        Stop::Failed(e)
    }
}

/// What every subcommand works with.
struct Ctx<'a> {
    acr: &'a Acr,
    stages: Vec<ResolvedStage>,
    audit_dir: &'a std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
}

impl Ctx<'_> {
    fn trail(&self) -> Result<crate::audit::AuditTrail, String> {
        crate::audit::AuditTrail::open(self.audit_dir)
            .map_err(|e| format!("{e}; nothing changes without its audit record"))
    }

    /// Prints one request judged now.
    async fn print_one(&self, found: &Found, output: Output, out: &mut dyn Write) -> Result<(), String> {
        let j = requests::judge(self.acr, &self.stages, found, self.now).await;
        let row = Row {
            id: &found.id,
            found,
            judgement: &j,
            refusal: j.refusal(),
        };
        print(output, &[row], out).map_err(|e| e.to_string())
    }

    async fn list(&self, pending: bool, output: Output, out: &mut dyn Write) -> Result<u8, Stop> {
        let (all, problems) = requests::list(self.acr, &self.stages).await;
        problems.iter().for_each(|p| say(&format!("partial: {p}")));
        let mut judged = Vec::new();
        for f in &all {
            judged.push(requests::judge(self.acr, &self.stages, f, self.now).await);
        }
        let rows: Vec<Row> = all
            .iter()
            .zip(&judged)
            .filter(|(_, j)| !pending || matches!(j.state, State::Pending { .. } | State::Approved { .. }))
            .map(|(f, j)| Row {
                id: &f.id,
                found: f,
                judgement: j,
                refusal: j.refusal(),
            })
            .collect();
        print(output, &rows, out).map_err(|e| e.to_string())?;
        Ok(if problems.is_empty() { EXIT_OK } else { EXIT_FAILED })
    }

    async fn request(&self, a: &crate::cli::PromoteRequestArgs, out: &mut dyn Write) -> Result<u8, Stop> {
        let Some((repo, tag)) = a.image.rsplit_once(':').filter(|(r, t)| !r.is_empty() && !t.is_empty()) else {
            return Err(Stop::Usage(format!("`{}` is not REPOSITORY:TAG", a.image)));
        };
        let s = stage_index(&self.stages, &a.source).map_err(Stop::Usage)?;
        let t = stage_index(&self.stages, &a.target).map_err(Stop::Usage)?;
        let found = requests::request(
            self.acr,
            &self.stages,
            (s, t),
            repo,
            tag,
            &a.note,
            &self.trail()?,
            self.now,
        )
        .await?;
        self.print_one(&found, a.output, out).await?;
        Ok(EXIT_OK)
    }

    async fn review(
        &self,
        a: &crate::cli::PromoteReviewArgs,
        decision: Decision,
        out: &mut dyn Write,
    ) -> Result<u8, Stop> {
        let found = requests::find(self.acr, &self.stages, &a.id).await?;
        let review = requests::review(self.acr, &found, decision, &a.note, &self.trail()?, self.now).await?;
        let mut again = found;
        again.reviews.push(review);
        self.print_one(&again, a.output, out).await?;
        Ok(EXIT_OK)
    }

    async fn run(&self, a: &crate::cli::PromoteRunArgs, out: &mut dyn Write) -> Result<u8, Stop> {
        let found = requests::find(self.acr, &self.stages, &a.id).await?;
        let outcome = requests::run(self.acr, &self.stages, &found, &self.trail()?, self.now, |_| {}).await?;
        let code = match &outcome {
            Outcome::Imported { .. } => EXIT_OK,
            Outcome::Failed { error, .. } if error.is_outcome_unknown() => EXIT_UNKNOWN,
            Outcome::Failed { .. } => EXIT_FAILED,
        };
        let r = &found.request;
        let text = match &outcome {
            Outcome::Imported { digest, locked, .. } => format!(
                "promoted {}:{} to {} at {digest}{}",
                r.repository,
                r.tag,
                r.target_stage,
                if *locked { ", locked" } else { "" }
            ),
            Outcome::Failed { error, .. } => format!("{}: {error}", outcome.name()),
        };
        match a.output {
            Output::Json => writeln!(
                out,
                "{}",
                serde_json::json!({"request": found.id, "outcome": outcome.name(), "detail": text})
            ),
            Output::Table => writeln!(out, "{text}"),
        }
        .map_err(|e| e.to_string())?;
        Ok(code)
    }
}

/// Runs one `promote` subcommand.
pub async fn run(
    acr: &Acr,
    config: &Config,
    audit_dir: &std::path::Path,
    cmd: &PromoteCommand,
    out: &mut dyn Write,
) -> u8 {
    let stages = match stages(acr, config).await {
        Ok(s) => s,
        Err(e) => {
            say(&e);
            return EXIT_FAILED;
        }
    };
    let c = Ctx {
        acr,
        stages,
        audit_dir,
        now: chrono::Utc::now(),
    };
    let result = match cmd {
        PromoteCommand::List(a) => c.list(a.pending, a.output, out).await,
        PromoteCommand::Request(a) => c.request(a, out).await,
        PromoteCommand::Approve(a) => c.review(a, Decision::Approve, out).await,
        PromoteCommand::Reject(a) => c.review(a, Decision::Reject, out).await,
        PromoteCommand::Run(a) => c.run(a, out).await,
    };
    match result {
        Ok(code) => code,
        Err(Stop::Usage(e)) => {
            say(&e);
            EXIT_USAGE
        }
        Err(Stop::Failed(e)) => {
            say(&e);
            EXIT_FAILED
        }
    }
}
