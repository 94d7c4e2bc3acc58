//! `acrdeck logs` and `acrdeck lock|unlock`: a run's log on stdout (followed live, exiting with
//! the run's outcome), and a lock change that asks first, is audited and is read back.

use crate::acr::logs::{FollowOptions, LogEvent};
use crate::acr::model::Registry;
use crate::acr::{Acr, RegistryRef};
use crate::app::mutation::{LockTarget, Mutation};
use std::io::Write;
use std::time::Duration;

/// The exit status for a run's final status: 0 Succeeded, 2 Canceled, 1 anything else.
pub fn outcome_code(status: &str) -> u8 {
    match status.to_ascii_lowercase().as_str() {
        "succeeded" => 0,
        "canceled" | "cancelled" => 2,
        _ => 1,
    }
}

/// Prints a run's log (followed when `follow`); returns the exit status.
pub async fn logs(acr: &Acr, registry: &Registry, run_id: &str, follow: bool, out: &mut impl Write) -> u8 {
    let fail = |e: String| {
        crate::process::say(&e.to_string());
        1
    };
    let Some(reference) = RegistryRef::parse(&registry.id) else {
        return fail(format!("the registry id `{}` is not an ARM resource id", registry.id));
    };
    let arm = match acr.arm() {
        Ok(a) => a,
        Err(e) => return fail(e.to_string()),
    };
    let link = match arm.log_links(&reference, run_id).await {
        Ok(l) => match l.link() {
            Some(link) => link.to_string(),
            None => return fail(format!("run {run_id} on {} has no log link yet", registry.name)),
        },
        Err(e) => return fail(e.to_string()),
    };
    // Following polls fast: a script waiting on a rollout wants each line within a second.
    let options = FollowOptions {
        fast: Duration::from_millis(200),
        slow: Duration::from_secs(1),
        ..FollowOptions::default()
    };
    let mut events = match acr.follow_log(&link, 0, options) {
        Ok(rx) => rx,
        Err(e) => return fail(e.to_string()),
    };
    let run_status = || async {
        arm.get_run(&reference, run_id)
            .await
            .map(|r| r.status())
            .map_err(|e| e.to_string())
    };
    loop {
        // Without --follow, the log as it is now: whatever arrives before the follower has to wait.
        let next = if follow {
            events.recv().await
        } else {
            match tokio::time::timeout(Duration::from_millis(800), events.recv()).await {
                Ok(e) => e,
                Err(_) => return 0,
            }
        };
        match next {
            Some(LogEvent::Lines(lines)) => {
                for l in lines {
                    if writeln!(out, "{l}").is_err() {
                        return 1;
                    }
                }
                let _ = out.flush();
            }
            Some(LogEvent::Waiting) if !follow => return 0,
            Some(LogEvent::Waiting) => {}
            Some(LogEvent::Retrying { error, retry_in }) => crate::process::say(&format!(
                "reading the log failed ({error}); trying again in {retry_in:?}"
            )),
            Some(LogEvent::Complete(status)) => {
                return if follow { outcome_code(&status) } else { 0 };
            }
            Some(LogEvent::Failed(e)) => return fail(e.to_string()),
            None => {
                // The follower ended without a final status: ask the service how the run ended.
                return match run_status().await {
                    Ok(s) if follow => outcome_code(s.as_str()),
                    Ok(_) => 0,
                    Err(e) => fail(e),
                };
            }
        }
    }
}

/// `REGISTRY/REPO:TAG`, `REGISTRY/REPO@DIGEST`, `REGISTRY/REPO`: (registry, repository, target).
pub fn parse_target(text: &str) -> Result<(String, String, LockTarget), String> {
    let bad = || format!("`{text}` is not REGISTRY/REPO:TAG, REGISTRY/REPO@DIGEST or REGISTRY/REPO");
    let (registry, rest) = text.split_once('/').ok_or_else(bad)?;
    if registry.is_empty() || rest.is_empty() {
        return Err(bad());
    }
    let (repo, target) = if let Some((repo, digest)) = rest.split_once('@') {
        (repo, LockTarget::Manifest(digest.to_string()))
    } else if let Some((repo, tag)) = rest.rsplit_once(':') {
        (repo, LockTarget::Tag(tag.to_string()))
    } else {
        (rest, LockTarget::Repository)
    };
    crate::imports::reference::check_path(repo).map_err(|e| format!("`{text}`: {e}"))?;
    if let LockTarget::Tag(t) | LockTarget::Manifest(t) = &target
        && t.is_empty()
    {
        return Err(bad());
    }
    Ok((registry.to_string(), repo.to_string(), target))
}

/// Builds the change of `acrdeck lock|unlock`.
pub fn lock_mutation(
    registry: &Registry,
    repository: String,
    target: LockTarget,
    write: bool,
    delete: bool,
    lock: bool,
) -> Mutation {
    let both = !write && !delete;
    Mutation::Locks {
        login_server: registry.properties.login_server.clone(),
        registry_name: registry.name.clone(),
        repository,
        target,
        write: write || both,
        delete: delete || both,
        lock,
    }
}

/// Asks on the terminal; anything but y/yes is no. Without a terminal, nothing is asked: the
/// caller must have said --yes.
pub fn confirm(question: &str) -> Result<bool, String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "{question}: not asked without a terminal; add --yes to mean it"
        ));
    }
    // The question names service text (a tag): printable, and a closed stderr is no panic.
    let _ = write!(std::io::stderr(), "{}? [y/N] ", crate::text::printable_lines(question));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_outcomes() {
        assert_eq!(
            parse_target("prod/apps/web:1.4.1").unwrap(),
            ("prod".into(), "apps/web".into(), LockTarget::Tag("1.4.1".into()))
        );
        assert_eq!(
            parse_target("prod/apps/web@sha256:ab").unwrap().2,
            LockTarget::Manifest("sha256:ab".into())
        );
        assert_eq!(parse_target("prod/base/node").unwrap().2, LockTarget::Repository);
        for bad in ["prod", "/apps/web", "prod/", "prod/Apps:1", "prod/apps:"] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
        assert_eq!(outcome_code("Succeeded"), 0);
        assert_eq!(outcome_code("Canceled"), 2);
        assert_eq!(outcome_code("Failed"), 1);
        assert_eq!(outcome_code("TimedOut"), 1);
    }
}
