//! Reading and validating the config file, and locating every problem at file:line:col.

use super::{AuthMethod, CloudName, Config, ConfigError, ImagesFileConfig, LoadedConfig, StageConfig};
use crate::keys;
use std::ops::Range;
use std::path::Path;

const HINT: &str =
    "Fix the file (every key is documented in assets/config.example.toml) or point --config at another file";

/// Reads `path`. A missing file is an error only when the operator named it (`explicit`); the
/// default location may be absent, and then built-in defaults apply.
pub fn load_file(path: &Path, explicit: bool) -> Result<LoadedConfig, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_str(&text, path).map(|config| LoadedConfig {
            config,
            source: Some(path.to_path_buf()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(LoadedConfig {
            config: Config::default(),
            source: None,
        }),
        Err(e) => Err(ConfigError {
            path: path.to_path_buf(),
            position: None,
            key: None,
            problem: format!("the file cannot be read ({e})"),
            hint: "Check the path given to --config and its permissions".into(),
        }),
    }
}

/// Parses and validates a config document; `path` is only used in messages.
pub fn parse_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        located(text, path, span, clean_toml_message(e.message()))
    })?;
    validate(&config, text, path)?;
    Ok(config)
}

/// toml's messages sometimes carry a trailing newline or restate the position; keep the gist.
fn clean_toml_message(msg: &str) -> String {
    msg.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn located(text: &str, path: &Path, span: Range<usize>, problem: String) -> ConfigError {
    let (line, col) = line_col(text, span.start);
    ConfigError {
        path: path.to_path_buf(),
        position: Some((line, col)),
        key: key_path_at(text, span.start),
        problem,
        hint: HINT.into(),
    }
}

fn validate(config: &Config, text: &str, path: &Path) -> Result<(), ConfigError> {
    let err = |span: Range<usize>, problem: String| Err(located(text, path, span, problem));

    let cloud = &config.cloud;
    if *cloud.name.get_ref() == CloudName::Custom {
        let missing: Vec<&str> = [
            ("arm_endpoint", cloud.arm_endpoint.is_none()),
            ("authority_host", cloud.authority_host.is_none()),
            ("acr_suffix", cloud.acr_suffix.is_none()),
        ]
        .into_iter()
        .filter_map(|(k, missing)| missing.then_some(k))
        .collect();
        if !missing.is_empty() {
            return err(
                table_span(text, "cloud", cloud.name.span()),
                format!("cloud `Custom` needs {} in [cloud]", missing.join(", ")),
            );
        }
    }
    for (key, value) in [
        ("arm_endpoint", &cloud.arm_endpoint),
        ("authority_host", &cloud.authority_host),
    ] {
        if let Some(v) = value
            && !v.starts_with("https://")
        {
            return err(
                value_span(text, "cloud", key),
                format!("expected an https:// URL, found `{v}`"),
            );
        }
    }

    let auth = &config.auth;
    let auth_span = || table_span(text, "auth", 0..0);
    match auth.method {
        AuthMethod::ClientSecret => {
            if auth.client_id.is_none() || (auth.client_secret_env.is_none() && auth.client_secret_file.is_none()) {
                return err(
                    auth_span(),
                    "auth method `client-secret` needs client_id and client_secret_env or client_secret_file".into(),
                );
            }
        }
        AuthMethod::ClientCertificate => {
            if auth.client_id.is_none() || auth.certificate_file.is_none() {
                return err(
                    auth_span(),
                    "auth method `client-certificate` needs client_id and certificate_file".into(),
                );
            }
        }
        AuthMethod::RegistryPassword => {
            if auth.username.is_none() || auth.password_env.is_none() {
                return err(
                    auth_span(),
                    "auth method `registry-password` needs username and password_env".into(),
                );
            }
        }
        AuthMethod::AzureCli | AuthMethod::ManagedIdentity | AuthMethod::WorkloadIdentity => {}
    }
    if matches!(
        auth.method,
        AuthMethod::ClientSecret | AuthMethod::ClientCertificate | AuthMethod::WorkloadIdentity
    ) && config.tenant.is_none()
    {
        return err(
            auth_span(),
            format!(
                "auth method `{}` needs `tenant` at the top of the file",
                auth.method.as_str()
            ),
        );
    }

    validate_durations(config, text, &err)?;
    validate_stages(&config.stages, &err)?;
    validate_images(&config.images, &config.stages, &err)?;

    for (command, list) in &config.keys {
        if !keys::COMMANDS.iter().any(|c| c.name == command) {
            let span = find_key_span(text, "keys", command);
            return err(
                span,
                format!(
                    "unknown command `{command}`; known commands: {}",
                    keys::COMMANDS.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
                ),
            );
        }
        for key in list.get_ref().keys() {
            if let Err(problem) = keys::KeyChord::parse(key) {
                return err(list.span(), problem);
            }
        }
    }
    if let Some(theme) = &config.ui.theme
        && theme != "default"
        && theme != "monochrome"
        && !Path::new(theme).exists()
    {
        return err(
            value_span(text, "ui", "theme"),
            format!("theme `{theme}` is neither `default`, `monochrome` nor an existing file"),
        );
    }
    Ok(())
}

/// Timeouts and refresh intervals: a zero would mean "no time at all" to a timeout and "all the
/// time" to a refresh.
fn validate_durations(
    config: &Config,
    text: &str,
    err: &dyn Fn(Range<usize>, String) -> Result<(), ConfigError>,
) -> Result<(), ConfigError> {
    let (net, refresh) = (&config.network, &config.refresh);
    for (table, key, value) in [
        ("network", "connect_timeout_secs", net.connect_timeout_secs),
        ("network", "read_timeout_secs", net.read_timeout_secs),
        ("network", "deadline_secs", net.deadline_secs),
        ("refresh", "runs_active_secs", refresh.runs_active_secs),
        ("refresh", "runs_idle_secs", refresh.runs_idle_secs),
        ("refresh", "listings_secs", refresh.listings_secs),
    ] {
        if value == 0 {
            return err(
                value_span(text, table, key),
                format!("`{key}` must be at least 1 second; leave it out for the default"),
            );
        }
    }
    Ok(())
}

fn validate_stages(
    stages: &[StageConfig],
    err: &dyn Fn(Range<usize>, String) -> Result<(), ConfigError>,
) -> Result<(), ConfigError> {
    for (i, stage) in stages.iter().enumerate() {
        let name = stage.name.get_ref();
        if name.trim().is_empty() {
            return err(stage.name.span(), "a stage name cannot be empty".into());
        }
        if stages[..i].iter().any(|s| s.name.get_ref() == name) {
            return err(stage.name.span(), format!("stage `{name}` is defined twice"));
        }
        for duration in [&stage.policy.require_run_age, &stage.policy.request_ttl]
            .into_iter()
            .flatten()
        {
            if let Err(problem) = super::parse_duration(duration.get_ref()) {
                return err(duration.span(), problem);
            }
        }
        let registry = stage.registry.get_ref();
        if !is_resource_id(registry) && !is_login_server(registry) {
            return err(
                stage.registry.span(),
                format!(
                    "`{registry}` is neither an ARM resource id (/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.ContainerRegistry/registries/NAME) nor a login server (NAME.azurecr.io)"
                ),
            );
        }
    }
    Ok(())
}

fn validate_images(
    images: &[ImagesFileConfig],
    stages: &[StageConfig],
    err: &dyn Fn(Range<usize>, String) -> Result<(), ConfigError>,
) -> Result<(), ConfigError> {
    for file in images {
        match &file.registry {
            Some(r) => {
                let target = r.get_ref();
                let is_stage = stages.iter().any(|s| s.name.get_ref() == target);
                if !is_stage && !is_login_server(target) {
                    return err(
                        r.span(),
                        format!("`{target}` is neither a stage name nor a login server"),
                    );
                }
            }
            None if stages.is_empty() => {
                return err(
                    0..0,
                    format!(
                        "images file `{}` has no `registry` and there is no stage to default to",
                        file.file.display()
                    ),
                );
            }
            None => {}
        }
    }
    Ok(())
}

/// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/{name}`
pub fn is_resource_id(s: &str) -> bool {
    let parts: Vec<&str> = s.trim_matches('/').split('/').collect();
    parts.len() == 8
        && parts[0].eq_ignore_ascii_case("subscriptions")
        && parts[2].eq_ignore_ascii_case("resourceGroups")
        && parts[4].eq_ignore_ascii_case("providers")
        && parts[5].eq_ignore_ascii_case("Microsoft.ContainerRegistry")
        && parts[6].eq_ignore_ascii_case("registries")
        && parts.iter().all(|p| !p.is_empty())
}

/// A host name with a dot, or `host:port` (the emulator's registries are `127.0.0.1:PORT`).
pub fn is_login_server(s: &str) -> bool {
    !s.is_empty() && (s.contains('.') || s.contains(':')) && !s.contains('/') && !s.contains(char::is_whitespace)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The dotted key at a byte offset: the enclosing `[table]` or `[[array]]` header (with the
/// array index) and the key assigned on that line.
pub fn key_path_at(text: &str, offset: usize) -> Option<String> {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[offset..].find('\n').map(|i| offset + i).unwrap_or(text.len());
    let line = text[line_start..line_end].trim();

    if let Some(header) = parse_header(line) {
        return Some(header.0);
    }
    let table = enclosing_table(&text[..line_start]);
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('#'));
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("{t}.{k}")),
        (None, Some(k)) => Some(k),
        (Some(t), None) => Some(t),
        (None, None) => None,
    }
}

/// `[a.b]` -> ("a.b", false); `[[stages]]` -> ("stages", true).
fn parse_header(line: &str) -> Option<(String, bool)> {
    let line = line.split('#').next()?.trim();
    if let Some(inner) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
        return Some((inner.trim().to_string(), true));
    }
    line.strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .map(|inner| (inner.trim().to_string(), false))
}

/// The table that lines after `before` belong to, with `[[array]]` indices made explicit
/// (`stages[1].policy`).
fn enclosing_table(before: &str) -> Option<String> {
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    let mut current: Option<String> = None;
    for line in before.lines() {
        if let Some((name, is_array)) = parse_header(line.trim()) {
            if is_array {
                let n = counts.entry(name.clone()).or_insert(0);
                *n += 1;
                current = Some(format!("{name}[{}]", *n - 1));
            } else {
                // `[stages.policy]` after `[[stages]]` belongs to the latest stage.
                let indexed = counts
                    .iter()
                    .filter(|(array, _)| name.starts_with(&format!("{array}.")))
                    .max_by_key(|(array, _)| array.len())
                    .map(|(array, n)| format!("{array}[{}]{}", n - 1, &name[array.len()..]));
                current = Some(indexed.unwrap_or(name));
            }
        }
    }
    current
}

/// The span of a `[table]` header, or `fallback` when the table is not written out.
fn table_span(text: &str, table: &str, fallback: Range<usize>) -> Range<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if parse_header(line.trim()).is_some_and(|(name, _)| name == table) {
            let indent = line.len() - line.trim_start().len();
            return offset + indent..offset + line.trim_end().len();
        }
        offset += line.len();
    }
    fallback
}

/// The span of `key = value` inside `[table]`; the table header when the key is absent.
fn value_span(text: &str, table: &str, key: &str) -> Range<usize> {
    find_key_span(text, table, key)
}

fn find_key_span(text: &str, table: &str, key: &str) -> Range<usize> {
    let mut offset = 0;
    let mut in_table = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some((name, _)) = parse_header(trimmed) {
            in_table = name == table;
        } else if in_table
            && let Some((k, _)) = trimmed.split_once('=')
            && k.trim().trim_matches('"') == key
        {
            let indent = line.len() - line.trim_start().len();
            return offset + indent..offset + line.trim_end().len();
        }
        offset += line.len();
    }
    table_span(text, table, 0..0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        parse_str(text, &PathBuf::from("/etc/acrdeck/config.toml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = parse("").expect("empty config is valid");
        assert_eq!(*c.cloud.name.get_ref(), CloudName::AzurePublic);
        assert_eq!(c.auth.method, AuthMethod::AzureCli);
        assert!(c.stages.is_empty());
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let e = parse("tenant = \"t\"\n[cloud]\nname = AzurePublic\n").unwrap_err();
        assert_eq!(e.position, Some((3, 8)));
        assert_eq!(e.key.as_deref(), Some("cloud.name"));
        let text = e.to_string();
        assert!(
            text.starts_with("configuration error in /etc/acrdeck/config.toml:3:8 at key `cloud.name`: "),
            "{text}"
        );
        assert!(text.contains("config.example.toml"), "{text}");
    }

    #[test]
    fn zero_timeouts_and_refresh_intervals_are_refused_where_they_are_written() {
        for (text, line, key) in [
            (
                "[network]\nconnect_timeout_secs = 0\n",
                2,
                "network.connect_timeout_secs",
            ),
            ("[network]\nread_timeout_secs = 0\n", 2, "network.read_timeout_secs"),
            ("[network]\ndeadline_secs = 0\n", 2, "network.deadline_secs"),
            (
                "tenant = \"t\"\n[refresh]\nlistings_secs = 0\n",
                3,
                "refresh.listings_secs",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.position.map(|p| p.0), Some(line), "{text}");
            assert_eq!(e.key.as_deref(), Some(key), "{text}");
            assert!(e.problem.contains("at least 1 second"), "{}", e.problem);
        }
        assert!(parse("[network]\nread_timeout_secs = 5\n").is_ok());
    }

    #[test]
    fn unknown_enum_value_lists_the_expected_ones() {
        let e = parse("[cloud]\nname = \"AzureGermany\"\n").unwrap_err();
        assert_eq!(e.position, Some((2, 8)));
        assert!(e.problem.contains("AzureUSGovernment"), "{}", e.problem);
    }

    #[test]
    fn unknown_key_is_refused_with_its_table() {
        let e = parse(
            "[[stages]]\nname = \"dev\"\nregistry = \"dev.azurecr.io\"\n[stages.policy]\nlock_afterr = [\"write\"]\n",
        )
        .unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(5));
        assert_eq!(e.key.as_deref(), Some("stages[0].policy.lock_afterr"));
        assert!(e.problem.contains("lock_afterr"), "{}", e.problem);
    }

    #[test]
    fn custom_cloud_needs_its_endpoints() {
        let e = parse("[cloud]\nname = \"Custom\"\narm_endpoint = \"https://arm.example\"\n").unwrap_err();
        assert_eq!(e.position, Some((1, 1)));
        assert!(e.problem.contains("authority_host, acr_suffix"), "{}", e.problem);
    }

    #[test]
    fn duplicate_stage_is_located_on_the_second() {
        let text = "[[stages]]\nname = \"dev\"\nregistry = \"a.azurecr.io\"\n[[stages]]\nname = \"dev\"\nregistry = \"b.azurecr.io\"\n";
        let e = parse(text).unwrap_err();
        assert_eq!(e.position, Some((5, 8)));
        assert_eq!(e.key.as_deref(), Some("stages[1].name"));
    }

    #[test]
    fn stage_registry_must_be_an_id_or_login_server() {
        let e = parse("[[stages]]\nname = \"dev\"\nregistry = \"acrdev\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("stages[0].registry"));
        assert!(is_resource_id(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acrdev"
        ));
        assert!(is_login_server("127.0.0.1:5000"));
    }

    #[test]
    fn client_secret_needs_a_secret_reference_and_tenant() {
        let e = parse("[auth]\nmethod = \"client-secret\"\nclient_id = \"x\"\n").unwrap_err();
        assert!(e.problem.contains("client_secret_env"), "{}", e.problem);
        let e =
            parse("[auth]\nmethod = \"client-secret\"\nclient_id = \"x\"\nclient_secret_env = \"S\"\n").unwrap_err();
        assert!(e.problem.contains("tenant"), "{}", e.problem);
    }

    #[test]
    fn key_bindings_are_checked() {
        let e = parse("[keys]\nquitt = \"q\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("keys.quitt"));
        let e = parse("[keys]\nquit = \"ctrl-\"\n").unwrap_err();
        assert_eq!(e.position, Some((2, 8)));
        assert!(parse("[keys]\nquit = [\"q\", \"ctrl-q\"]\nhelp = \"f1\"\n").is_ok());
    }

    #[test]
    fn images_default_to_first_stage_or_must_name_one() {
        let e = parse("[[images]]\nfile = \"images.txt\"\n").unwrap_err();
        assert!(e.problem.contains("no stage"), "{}", e.problem);
        let ok = "[[stages]]\nname = \"dev\"\nregistry = \"dev.azurecr.io\"\n[[images]]\nfile = \"images.txt\"\n";
        assert!(parse(ok).is_ok());
        let bad = "[[stages]]\nname = \"dev\"\nregistry = \"dev.azurecr.io\"\n[[images]]\nfile = \"i.txt\"\nregistry = \"qa\"\n";
        assert_eq!(parse(bad).unwrap_err().key.as_deref(), Some("images[0].registry"));
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("a\nbé=c", 5), (2, 3));
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    /// The documented example is a valid configuration and binds every command.
    #[test]
    fn example_config_parses_and_names_every_command() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/config.example.toml"));
        let text = std::fs::read_to_string(path).expect("example config is in assets/");
        let config = parse_str(&text, path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.stages.len(), 4);
        for info in keys::COMMANDS {
            assert!(config.keys.contains_key(info.name), "example lacks keys.{}", info.name);
        }
    }

    #[test]
    fn the_two_person_rule_keys_and_their_durations() {
        let ok = parse_str(
            "[[stages]]\nname = \"uat\"\nregistry = \"u.azurecr.io\"\n\
             [[stages]]\nname = \"prod\"\nregistry = \"p.azurecr.io\"\n[stages.policy]\napprovals = 2\n\
             require_run = \"validate\"\nrequire_run_age = \"36h\"\nrequest_ttl = \"2d\"\n",
            Path::new("t.toml"),
        )
        .expect("valid");
        let p = &crate::promote::stages(&ok)[1].policy;
        assert_eq!(p.approvals, 2);
        assert_eq!(
            p.require_run,
            Some(("validate".to_string(), chrono::Duration::hours(36)))
        );
        assert_eq!(p.request_ttl, chrono::Duration::days(2));
        assert!(p.gated() && !crate::promote::stages(&ok)[0].policy.gated());
        let e = parse_str(
            "[[stages]]\nname = \"prod\"\nregistry = \"p.azurecr.io\"\n[stages.policy]\nrequest_ttl = \"soon\"\n",
            Path::new("t.toml"),
        )
        .unwrap_err();
        assert!(e.problem.contains("not a duration"), "{}", e.problem);
        assert_eq!(e.position.map(|p| p.0), Some(5), "located on the value");
    }
}
