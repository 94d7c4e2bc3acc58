//! The `:` command line: jump anywhere by name (`:runs`, `:tags prod/apps/web`,
//! `:registry staging`) with Tab completion, as operators know it from k9s and vim.

use super::{Effect, Modal, Pane, State, navigate};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The command line while it is typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub text: String,
    /// What Tab offered when it could not complete to one thing, or why a command failed.
    pub hint: Option<String>,
    pub error: bool,
}

/// A command's name, its short forms, what it takes and what it does.
pub struct CommandSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub argument: Arg,
    pub help: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    None,
    /// A registry: its name, its stage or its login server.
    Registry,
    /// `[registry/]repository`.
    Repository,
}

pub const SPECS: &[CommandSpec] = &[
    CommandSpec {
        name: "registries",
        aliases: &["regs"],
        argument: Arg::None,
        help: "the Registries pane",
    },
    CommandSpec {
        name: "registry",
        aliases: &["reg"],
        argument: Arg::Registry,
        help: "open a registry by name or stage",
    },
    CommandSpec {
        name: "repos",
        aliases: &["repositories"],
        argument: Arg::Registry,
        help: "repositories of a registry",
    },
    CommandSpec {
        name: "tags",
        aliases: &[],
        argument: Arg::Repository,
        help: "tags of [registry/]repository",
    },
    CommandSpec {
        name: "locks",
        aliases: &[],
        argument: Arg::Registry,
        help: "everything locked in a registry",
    },
    CommandSpec {
        name: "cache",
        aliases: &["cacherules"],
        argument: Arg::Registry,
        help: "cache rules of a registry",
    },
    CommandSpec {
        name: "runs",
        aliases: &["tasks"],
        argument: Arg::Registry,
        help: "task runs of a registry",
    },
    CommandSpec {
        name: "rollout",
        aliases: &["stages-runs"],
        argument: Arg::None,
        help: "every registry's runs by stage, pinned logs, what reached the next stage",
    },
    CommandSpec {
        name: "webhooks",
        aliases: &["hooks"],
        argument: Arg::None,
        help: "every registry's webhooks, their deliveries, ping",
    },
    CommandSpec {
        name: "tokens",
        aliases: &["scopemaps"],
        argument: Arg::None,
        help: "every registry's tokens: permissions, status, expiry",
    },
    CommandSpec {
        name: "requests",
        aliases: &["approvals"],
        argument: Arg::None,
        help: "promotion requests into gated stages: approve, reject, run",
    },
    CommandSpec {
        name: "board",
        aliases: &["promote", "stages"],
        argument: Arg::Repository,
        help: "the stage board of a repository (Promotions pane)",
    },
    CommandSpec {
        name: "help",
        aliases: &[],
        argument: Arg::None,
        help: "the key bindings",
    },
    CommandSpec {
        name: "quit",
        aliases: &["q"],
        argument: Arg::None,
        help: "leave acrdeck",
    },
];

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goto {
    Pane {
        pane: Pane,
        /// A registry to open first (name, stage or login server).
        registry: Option<String>,
    },
    Tags {
        registry: Option<String>,
        repository: String,
    },
    /// The stage board of a repository (none: the one chosen last).
    Board {
        repository: Option<String>,
    },
    Help,
    Quit,
}

fn spec(word: &str) -> Option<&'static CommandSpec> {
    let w = word.to_ascii_lowercase();
    SPECS.iter().find(|s| s.name == w || s.aliases.contains(&w.as_str()))
}

/// Parses a command line. `is_registry` says whether a word names a registry (so that
/// `prod/apps/web` splits into registry and repository).
pub fn parse(text: &str, is_registry: impl Fn(&str) -> bool) -> Result<Goto, String> {
    let mut words = text.split_whitespace();
    let Some(first) = words.next() else {
        return Err(
            "type a command: registries, registry NAME, repos, tags REPO, locks, cache, runs, board REPO, help, quit"
                .into(),
        );
    };
    let Some(spec) = spec(first) else {
        let names: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
        return Err(format!("`{first}` is not a command; commands: {}", names.join(", ")));
    };
    let arg = words.next().map(str::to_string);
    if let Some(extra) = words.next() {
        return Err(format!("`{}` takes one argument; `{extra}` is one too many", spec.name));
    }
    let pane = |p| {
        Ok(Goto::Pane {
            pane: p,
            registry: arg.clone(),
        })
    };
    match (spec.name, spec.argument, &arg) {
        (_, Arg::None, Some(a)) => Err(format!("`{}` takes no argument (got `{a}`)", spec.name)),
        ("registries", ..) => pane(Pane::Registries),
        ("registry", _, None) => Err("`registry` needs a registry name or stage, e.g. :registry staging".into()),
        ("registry" | "repos", ..) => pane(Pane::Repositories),
        ("locks", ..) => pane(Pane::Locks),
        ("cache", ..) => pane(Pane::CacheRules),
        ("runs", ..) => pane(Pane::Runs),
        ("rollout", ..) => pane(Pane::Rollout),
        ("webhooks", ..) => pane(Pane::Webhooks),
        ("tokens", ..) => pane(Pane::Tokens),
        ("requests", ..) => pane(Pane::Requests),
        ("help", ..) => Ok(Goto::Help),
        ("board", _, a) => Ok(Goto::Board {
            repository: a.as_ref().map(|a| match a.split_once('/') {
                // A registry in front means nothing here: the board spans every stage.
                Some((reg, repo)) if is_registry(reg) && !repo.is_empty() => repo.to_string(),
                _ => a.clone(),
            }),
        }),
        ("quit", ..) => Ok(Goto::Quit),
        ("tags", _, None) => pane(Pane::Tags),
        ("tags", _, Some(a)) => {
            // The first segment is a registry when it names one; repositories have slashes too.
            match a.split_once('/') {
                Some((reg, repo)) if is_registry(reg) && !repo.is_empty() => Ok(Goto::Tags {
                    registry: Some(reg.to_string()),
                    repository: repo.to_string(),
                }),
                _ => Ok(Goto::Tags {
                    registry: None,
                    repository: a.clone(),
                }),
            }
        }
        _ => Err(format!("`{}` is not handled", spec.name)),
    }
}

/// Completes the word being typed. `registries` are the names and stages a registry can be
/// called by; `repositories(registry)` lists the known repositories of a registry (`None`: the
/// current one). Returns the new text and, when several things fit, what they are.
pub fn complete(
    text: &str,
    registries: &[String],
    repositories: impl Fn(Option<&str>) -> Vec<String>,
) -> (String, Vec<String>) {
    let ends_in_space = text.ends_with(' ');
    let words: Vec<&str> = text.split_whitespace().collect();
    let (done, partial): (Vec<&str>, &str) = match (words.split_last(), ends_in_space) {
        (None, _) => (vec![], ""),
        (Some(_), true) => (words.clone(), ""),
        (Some((last, rest)), false) => (rest.to_vec(), last),
    };
    let candidates: Vec<String> = match done.first() {
        None => SPECS.iter().map(|s| s.name.to_string()).collect(),
        Some(cmd) => match spec(cmd).map(|s| s.argument) {
            Some(Arg::Registry) if done.len() == 1 => registries.to_vec(),
            Some(Arg::Repository) if done.len() == 1 => match partial.split_once('/') {
                Some((reg, _)) if registries.iter().any(|r| r.eq_ignore_ascii_case(reg)) => repositories(Some(reg))
                    .into_iter()
                    .map(|r| format!("{reg}/{r}"))
                    .collect(),
                _ => {
                    let mut c: Vec<String> = registries.iter().map(|r| format!("{r}/")).collect();
                    c.extend(repositories(None));
                    c
                }
            },
            _ => vec![],
        },
    };
    let lower = partial.to_lowercase();
    let mut fits: Vec<String> = candidates
        .into_iter()
        .filter(|c| c.to_lowercase().starts_with(&lower))
        .collect();
    fits.sort();
    fits.dedup();
    let prefix = common_prefix(&fits);
    let completed = match fits.len() {
        0 => return (text.to_string(), vec![]),
        // One fit: take it, and a space unless a path goes on.
        1 if !fits[0].ends_with('/') => format!("{} ", fits[0]),
        _ => prefix.unwrap_or_else(|| partial.to_string()),
    };
    let mut out: Vec<&str> = done.clone();
    out.push(&completed);
    let text = out.join(" ");
    (text, if fits.len() > 1 { fits } else { vec![] })
}

fn common_prefix(items: &[String]) -> Option<String> {
    let first = items.first()?;
    let mut len = first.len();
    for s in &items[1..] {
        len = len.min(
            first
                .char_indices()
                .zip(s.chars())
                .take_while(|((_, a), b)| a.eq_ignore_ascii_case(b))
                .count(),
        );
    }
    Some(first.chars().take(len).collect())
}

/// Names a registry can be called by on the command line: its name and its stage.
fn registry_names(state: &State) -> Vec<String> {
    let mut names = Vec::new();
    for r in state.registry_rows() {
        names.push(r.registry.name.clone());
        if let Some(stage) = r.registry.stage() {
            names.push(stage.to_string());
        }
    }
    names
}

/// The login server of the registry a command-line word names (name, stage or login server).
fn find_registry(state: &State, word: &str) -> Option<String> {
    let rows = state.registry_rows();
    let by = |f: &dyn Fn(&super::data::RegistryRow) -> bool| {
        rows.iter()
            .find(|r| f(r))
            .map(|r| r.registry.properties.login_server.clone())
    };
    by(&|r| r.registry.name.eq_ignore_ascii_case(word))
        .or_else(|| by(&|r| r.registry.properties.login_server.eq_ignore_ascii_case(word)))
        .or_else(|| by(&|r| r.registry.stage().is_some_and(|s| s.eq_ignore_ascii_case(word))))
}

/// Keys while the command line is open: typing, Tab to complete, Enter to run, Esc to close.
pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(line) = state.modal.command_line_mut() else {
        return vec![];
    };
    match key.code {
        KeyCode::Esc => state.modal = Modal::None,
        KeyCode::Backspace => {
            line.text.pop();
            line.hint = None;
        }
        KeyCode::Tab => {
            let text = line.text.clone();
            let regs = registry_names(state);
            let (completed, offered) = complete(&text, &regs, |reg| {
                let ls = match reg {
                    Some(word) => find_registry(state, word),
                    None => state.nav.registry.clone(),
                };
                ls.map(|ls| state.panes.repositories.names(&ls).to_vec())
                    .unwrap_or_default()
            });
            if let Some(line) = state.modal.command_line_mut() {
                line.text = completed;
                line.error = false;
                line.hint = (!offered.is_empty()).then(|| offered.join("  "));
            }
        }
        KeyCode::Enter => {
            let text = line.text.clone();
            return run(state, &text);
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            line.text.push(c);
            line.hint = None;
        }
        _ => {}
    }
    vec![]
}

/// Carries out a command line; on a mistake the line stays open and says what is wrong.
fn run(state: &mut State, text: &str) -> Vec<Effect> {
    let fail = |state: &mut State, why: String| {
        if let Some(line) = state.modal.command_line_mut() {
            line.hint = Some(why);
            line.error = true;
        }
        vec![]
    };
    let goto = match parse(text, |w| find_registry(state, w).is_some()) {
        Ok(g) => g,
        Err(e) => return fail(state, e),
    };
    let choose = |state: &mut State, word: &Option<String>| -> Result<(), String> {
        let Some(word) = word else { return Ok(()) };
        let ls = find_registry(state, word).ok_or_else(|| {
            format!(
                "no registry is called `{word}`; known: {}",
                registry_names(state).join(", ")
            )
        })?;
        navigate::choose_registry(state, ls);
        Ok(())
    };
    let effects = match goto {
        Goto::Quit => {
            if state.jobs.is_empty() {
                return vec![Effect::Exit(0)];
            }
            state.modal = Modal::ConfirmQuit;
            return vec![];
        }
        Goto::Help => {
            state.modal = Modal::Help { scroll: 0 };
            return vec![];
        }
        Goto::Board { repository } => super::panes::promotions::show_board(state, repository),
        Goto::Pane { pane, registry } => {
            if let Err(e) = choose(state, &registry) {
                return fail(state, e);
            }
            if pane == Pane::Repositories && state.nav.registry.is_none() {
                return fail(state, "choose a registry: :registry NAME".into());
            }
            navigate::show(state, pane)
        }
        Goto::Tags { registry, repository } => {
            if let Err(e) = choose(state, &registry) {
                return fail(state, e);
            }
            if state.nav.registry.is_none() {
                return fail(state, "choose a registry first: :tags REGISTRY/REPOSITORY".into());
            }
            navigate::tags_of(state, repository)
        }
    };
    // The command line closes unless the command opened something else in its place.
    if matches!(state.modal, Modal::Command(_)) {
        state.modal = Modal::None;
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_reg(w: &str) -> bool {
        matches!(w, "prod" | "contosoprod" | "dev")
    }

    #[test]
    fn commands_parse_into_places() {
        assert_eq!(
            parse("runs", is_reg),
            Ok(Goto::Pane {
                pane: Pane::Runs,
                registry: None
            })
        );
        assert_eq!(
            parse("registry staging", is_reg),
            Ok(Goto::Pane {
                pane: Pane::Repositories,
                registry: Some("staging".into())
            })
        );
        assert_eq!(
            parse("tags prod/apps/web", is_reg),
            Ok(Goto::Tags {
                registry: Some("prod".into()),
                repository: "apps/web".into()
            })
        );
        assert_eq!(
            parse("tags apps/web", is_reg),
            Ok(Goto::Tags {
                registry: None,
                repository: "apps/web".into()
            }),
            "`apps` is no registry: the whole is a repository"
        );
        assert_eq!(parse("q", is_reg), Ok(Goto::Quit));
        assert!(parse("frobnicate", is_reg).unwrap_err().contains("not a command"));
        assert!(parse("help me", is_reg).unwrap_err().contains("no argument"));
        assert!(parse("registry", is_reg).is_err());
    }

    #[test]
    fn tab_completes_commands_registries_and_repositories() {
        let regs = vec!["dev".to_string(), "prod".to_string(), "contosoprod".to_string()];
        let repos = |r: Option<&str>| match r {
            Some("prod") => vec!["apps/web".to_string(), "apps/api".to_string(), "base/node".to_string()],
            _ => vec!["tools/cli".to_string()],
        };
        assert_eq!(complete("ru", &regs, repos), ("runs ".into(), vec![]));
        let (text, offered) = complete("re", &regs, repos);
        assert_eq!(text, "re");
        assert_eq!(offered, ["registries", "registry", "repos", "requests"]);
        assert_eq!(complete("registry pr", &regs, repos).0, "registry prod ");
        assert_eq!(complete("tags pr", &regs, repos).0, "tags prod/");
        let (text, offered) = complete("tags prod/ap", &regs, repos);
        assert_eq!(text, "tags prod/apps/");
        assert_eq!(offered.len(), 2);
        assert_eq!(complete("tags prod/b", &regs, repos).0, "tags prod/base/node ");
        assert_eq!(complete("tags to", &regs, repos).0, "tags tools/cli ");
        assert_eq!(complete("zz", &regs, repos), ("zz".into(), vec![]));
    }
}
