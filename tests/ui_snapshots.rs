//! Snapshots of every screen of the shell, in the default and the monochrome theme. The Debug
//! form of ratatui's buffer carries the styles too, so a theme change shows up in review.

use acrdeck::app::{Action, Environment, Identity, Pane, State, update};
use acrdeck::keys::Keymap;
use acrdeck::ui::{self, Theme};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::{Terminal, backend::TestBackend};

fn state() -> State {
    State::new(
        Environment {
            name: "demo".into(),
            detail: "embedded emulator".into(),
        },
        Keymap::default(),
        false,
    )
}

fn render(state: &State, theme: &Theme, cols: u16, rows: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("test terminal");
    terminal.draw(|f| ui::draw(state, theme, f)).expect("draw");
    format!("{:?}", terminal.backend().buffer())
}

fn themes() -> [(&'static str, Theme); 2] {
    [("default", Theme::default_theme()), ("monochrome", Theme::monochrome())]
}

fn press(state: &mut State, c: char) {
    update(state, Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
}

#[test]
fn shell_at_minimum_size() {
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("shell_80x24_{name}"), render(&state(), &theme, 80, 24));
    }
}

#[test]
fn shell_wide_readonly_signed_in_on_runs() {
    let mut s = state();
    s.readonly = true;
    s.identity = Some(Identity {
        principal: "ops@contoso.com".into(),
        tenant: "contoso.onmicrosoft.com".into(),
    });
    s.pane = Pane::Runs;
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("shell_120x30_readonly_{name}"), render(&s, &theme, 120, 30));
    }
}

#[test]
fn help_overlay() {
    let mut s = state();
    press(&mut s, '?');
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("help_80x24_{name}"), render(&s, &theme, 80, 24));
    }
}

#[test]
fn quit_confirmation_names_the_work_in_flight() {
    let mut s = state();
    s.start_job("import ingress-nginx/controller:v1.11.1 into dev");
    s.start_job("follow log of run cf12 on prod");
    press(&mut s, 'q');
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("confirm_quit_80x24_{name}"), render(&s, &theme, 80, 24));
    }
}

#[test]
fn too_small_terminal() {
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("too_small_60x15_{name}"), render(&state(), &theme, 60, 15));
    }
}

// ---------------------------------------------------------------- data panes

use acrdeck::app::data::RegistryRow;
use acrdeck::app::log_view::{Gutter, LogStatus, LogView};
use chrono::TimeZone;

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

fn registry(name: &str, stage: &str, sku: &str, public: &str) -> acrdeck::acr::model::Registry {
    serde_json::from_value(serde_json::json!({
        "id": format!("/subscriptions/s/resourceGroups/rg-{stage}/providers/Microsoft.ContainerRegistry/registries/{name}"),
        "name": name, "location": "westeurope", "tags": {"stage": stage}, "sku": {"name": sku},
        "properties": {"loginServer": format!("{name}.azurecr.io"), "publicNetworkAccess": public}
    }))
    .unwrap()
}

/// A geo-replica as the service lists it.
fn replica(
    location: &str,
    provisioning: &str,
    status: &str,
    message: Option<&str>,
) -> acrdeck::acr::model::Replication {
    serde_json::from_value(serde_json::json!({
        "id": format!("/x/replications/{location}"),
        "name": location,
        "location": location,
        "properties": {
            "provisioningState": provisioning,
            "status": {"displayStatus": status, "message": message, "timestamp": "2026-11-22T09:00:00Z"}
        }
    }))
    .expect("a replication")
}

/// A world like the demo's, frozen at a fixed time so ages are stable.
fn loaded_state() -> State {
    let mut s = state();
    s.now = now();
    s.identity = Some(Identity {
        principal: "ops@contoso.com".into(),
        tenant: "contoso.onmicrosoft.com".into(),
    });
    let rows = vec![
        RegistryRow {
            registry: registry("contosoprod", "prod", "Premium", "Disabled"),
            storage: Some((377_700, 500 << 30)),
            health: None,
            replicas: Some(Ok(vec![
                replica("northeurope", "Succeeded", "Ready", None),
                replica("eastus", "Succeeded", "Syncing", Some("replicating 12 of 40 manifests")),
            ])),
        },
        RegistryRow {
            registry: registry("contosodev", "dev", "Premium", "Enabled"),
            storage: Some((1_363_148, 500 << 30)),
            health: None,
            replicas: Some(Ok(vec![replica("northeurope", "Succeeded", "Ready", None)])),
        },
        RegistryRow {
            registry: registry("contosouat", "uat", "Standard", "Enabled"),
            storage: None,
            health: Some("403 Forbidden".into()),
            replicas: None,
        },
        RegistryRow {
            registry: registry("contosostaging", "staging", "Standard", "Enabled"),
            storage: Some((741_900, 100 << 30)),
            health: None,
            replicas: Some(Ok(vec![])),
        },
    ];
    s.registries
        .settle(rows, None, now() - chrono::Duration::seconds(42), true);
    s.stage_order = vec!["dev".into(), "staging".into(), "uat".into(), "prod".into()];
    let ls = "contosoprod.azurecr.io".to_string();
    s.nav.registry = Some(ls.clone());
    s.nav.repository = Some("apps/web".into());
    s.panes.repositories.listings.entry(ls.clone()).or_default().settle(
        vec!["apps/api".into(), "apps/web".into(), "base/node".into()],
        None,
        now(),
        true,
    );
    for (name, tags, manifests, hours, locks) in [
        ("apps/api", 1, 1, 900, serde_json::json!({})),
        ("apps/web", 2, 6, 400, serde_json::json!({})),
        (
            "base/node",
            1,
            1,
            40,
            serde_json::json!({"writeEnabled": false, "deleteEnabled": false}),
        ),
    ] {
        let p: acrdeck::acr::model::RepositoryProperties = serde_json::from_value(serde_json::json!({
            "imageName": name, "tagCount": tags, "manifestCount": manifests,
            "lastUpdateTime": (now() - chrono::Duration::hours(hours)).to_rfc3339(), "changeableAttributes": locks
        }))
        .unwrap();
        s.panes.repositories.props.insert((ls.clone(), name.into()), p);
    }
    let tag = |name: &str, digest: &str, days: i64, locked: bool| {
        acrdeck::app::data::TagRow::new(
        serde_json::from_value(serde_json::json!({
            "name": name, "digest": format!("sha256:{digest}"), "createdTime": (now() - chrono::Duration::days(days)).to_rfc3339(),
            "lastUpdateTime": (now() - chrono::Duration::days(days)).to_rfc3339(),
            "changeableAttributes": if locked { serde_json::json!({"writeEnabled": false, "deleteEnabled": false}) } else { serde_json::json!({}) }
        }))
        .unwrap(),
        Some(std::sync::Arc::new(serde_json::from_value(serde_json::json!({
            "digest": format!("sha256:{digest}"), "imageSize": 125_602, "mediaType": "application/vnd.oci.image.index.v1+json",
            "references": [{"digest": "sha256:a", "os": "linux", "architecture": "amd64"}, {"digest": "sha256:b", "os": "linux", "architecture": "arm64"}]
        }))
        .unwrap())),
    )
    };
    s.panes
        .tags
        .listings
        .entry((ls.clone(), "apps/web".into()))
        .or_default()
        .settle(
            vec![
                tag("1.4.1", "f39b60152839aa", 16, true),
                tag("1.4.0", "e40941820b53bb", 50, true),
            ],
            None,
            now(),
            true,
        );
    let run = |id: &str,
               task: &str,
               status: &str,
               trigger: serde_json::Value,
               start_min: i64,
               secs: Option<i64>|
     -> acrdeck::acr::model::Run {
        let start = now() - chrono::Duration::minutes(start_min);
        let mut props = serde_json::json!({"runId": id, "task": task, "status": status, "startTime": start.to_rfc3339(), "platform": {"os": "Linux", "architecture": "amd64"}});
        if let Some(s) = secs {
            props["finishTime"] = serde_json::json!((start + chrono::Duration::seconds(s)).to_rfc3339());
        }
        if let Some((k, v)) = trigger.as_object().and_then(|o| o.iter().next()) {
            props[k] = v.clone();
        }
        serde_json::from_value(serde_json::json!({"name": id, "properties": props})).unwrap()
    };
    let task = |name: &str, trigger: serde_json::Value| -> acrdeck::acr::model::Task {
        serde_json::from_value(
            serde_json::json!({"name": name, "properties": {"status": "Enabled", "trigger": trigger}}),
        )
        .unwrap()
    };
    s.panes.runs.tasks.entry(ls.clone()).or_default().settle(
        vec![
            task(
                "base-import-node",
                serde_json::json!({"timerTriggers": [{"schedule": "0 3 * * *"}]}),
            ),
            task(
                "hello-world",
                serde_json::json!({"sourceTriggers": [{"name": "commit"}], "baseImageTrigger": {"name": "base"}}),
            ),
        ],
        None,
        now(),
        true,
    );
    let attrs = |w: bool, d: bool| acrdeck::acr::model::ChangeableAttributes {
        write_enabled: !w,
        delete_enabled: !d,
        ..Default::default()
    };
    use acrdeck::app::data::{LockedItem, LockedKind};
    s.panes.locks.listings.entry(ls.clone()).or_default().settle(
        vec![
            LockedItem {
                kind: LockedKind::Tag,
                repository: "apps/web".into(),
                reference: "1.4.0".into(),
                attributes: attrs(true, true),
                tags: vec![],
            },
            LockedItem {
                kind: LockedKind::Repository,
                repository: "base/node".into(),
                reference: String::new(),
                attributes: attrs(true, true),
                tags: vec![],
            },
            LockedItem {
                kind: LockedKind::Manifest,
                repository: "base/node".into(),
                reference: format!("sha256:{}", "bc3e".repeat(16)),
                attributes: attrs(true, false),
                tags: vec!["15-alpine".into(), "15".into()],
            },
        ],
        None,
        now(),
        true,
    );
    s.panes.locks.scan.insert(ls.clone(), (3, 3));
    let rule = |name: &str,
                source: &str,
                target: &str,
                cred: Option<&str>,
                state: &str|
     -> acrdeck::acr::model::CacheRule {
        serde_json::from_value(serde_json::json!({"name": name, "properties": {
            "sourceRepository": source, "targetRepository": target, "provisioningState": state,
            "credentialSetResourceId": cred.map(|c| format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contosoprod/credentialSets/{c}"))
        }}))
        .unwrap()
    };
    let cred = |name: &str, health: &str| -> acrdeck::acr::model::CredentialSet {
        serde_json::from_value(
            serde_json::json!({"name": name, "properties": {"loginServer": "docker.io",
            "authCredentials": [{"name": "Credential1", "credentialHealth": {"status": health}}]}}),
        )
        .unwrap()
    };
    s.panes.cache_rules.listings.entry(ls.clone()).or_default().settle(
        vec![
            acrdeck::app::data::CacheRuleRow {
                rule: rule(
                    "dockerhub-library",
                    "docker.io/library/*",
                    "library/*",
                    Some("dockerhub"),
                    "Succeeded",
                ),
                credential: Some(cred("dockerhub", "Healthy")),
            },
            acrdeck::app::data::CacheRuleRow {
                rule: rule(
                    "mcr-dotnet",
                    "mcr.microsoft.com/dotnet/runtime",
                    "dotnet/runtime",
                    None,
                    "Succeeded",
                ),
                credential: None,
            },
            acrdeck::app::data::CacheRuleRow {
                rule: rule(
                    "quay-prom",
                    "quay.io/prometheus/prometheus",
                    "prometheus",
                    Some("quay"),
                    "Updating",
                ),
                credential: Some(cred("quay", "Unhealthy")),
            },
        ],
        None,
        now(),
        true,
    );
    s.runs.entry(ls).or_default().settle(
        vec![
            run(
                "co7",
                "hello-world",
                "Running",
                serde_json::json!({"sourceTrigger": {}}),
                2,
                None,
            ),
            run("co6", "hello-world", "Canceled", serde_json::json!({}), 45, Some(12)),
            run(
                "co5",
                "hello-world",
                "Succeeded",
                serde_json::json!({"imageUpdateTrigger": {}}),
                176,
                Some(52),
            ),
            run(
                "co2",
                "base-import-node",
                "Failed",
                serde_json::json!({"timerTrigger": {}}),
                1320,
                Some(6),
            ),
        ],
        None,
        now(),
        true,
    );
    s
}

#[test]
fn data_panes() {
    for pane in [
        Pane::Registries,
        Pane::Repositories,
        Pane::Tags,
        Pane::Locks,
        Pane::CacheRules,
        Pane::Runs,
    ] {
        let mut s = loaded_state();
        s.pane = pane;
        for (name, theme) in themes() {
            insta::assert_snapshot!(
                format!("pane_{}_100x24_{name}", pane.short_title().to_lowercase()),
                render(&s, &theme, 100, 24)
            );
        }
    }
}

#[test]
fn a_partial_listing_says_so_and_shows_the_error() {
    let mut s = loaded_state();
    let ls = "contosoprod.azurecr.io".to_string();
    s.panes.tags.listings.get_mut(&(ls, "apps/web".into())).unwrap().settle(
        vec![],
        Some("list tags failed on contosoprod.azurecr.io/apps/web: HTTP 503: service unavailable. The service or the network failed for a moment; acrdeck retried.".into()),
        now(),
        false,
    );
    s.pane = Pane::Tags;
    insta::assert_snapshot!(
        "pane_tags_stale_with_error_default",
        render(&s, &Theme::default_theme(), 100, 24)
    );
}

#[test]
fn listings_from_the_cache_say_so_with_their_age() {
    let mut s = loaded_state();
    let read = now() - chrono::Duration::hours(3);
    s.registries.cached = true;
    s.registries.loaded_at = Some(read);
    s.registries.loading = true;
    for l in s.runs.values_mut() {
        l.cached = true;
        l.loaded_at = Some(now() - chrono::Duration::minutes(1));
    }
    s.pane = Pane::Registries;
    insta::assert_snapshot!(
        "pane_registries_cached_refreshing",
        render(&s, &Theme::default_theme(), 100, 24)
    );
    // A run that was running when the cache was read shows how long it had run by then.
    s.pane = Pane::Runs;
    insta::assert_snapshot!("pane_runs_cached", render(&s, &Theme::default_theme(), 100, 24));
}

#[test]
fn panes_before_anything_is_chosen_or_loaded() {
    let mut s = state();
    s.registries.loading = true;
    insta::assert_snapshot!("pane_registries_loading", render(&s, &Theme::default_theme(), 80, 24));
    s.pane = Pane::Tags;
    insta::assert_snapshot!("pane_tags_nothing_chosen", render(&s, &Theme::default_theme(), 80, 24));
}

#[test]
fn log_view_following_and_finished() {
    let mut s = loaded_state();
    s.pane = Pane::Runs;
    let mut view = LogView::new("contosoprod.azurecr.io".into(), "contosoprod".into(), "co7".into());
    view.push(
        vec![
            "2026/11/22 11:58:00 Executing step ID: build. Timeout(sec): 28800".into(),
            "Step 5/6 : RUN npm test".into(),
            "\u{1b}[32m✓ PASS\u{1b}[0m api.test.js › case 0 (3 ms)".into(),
            "\u{1b}[31m✗ FAIL\u{1b}[0m render.test.js › case 1: expected 200, received 500".into(),
        ],
        now(),
    );
    s.panes.runs.logs = vec![view.clone()];
    s.panes.runs.log_shown = Some(0);
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("log_streaming_100x24_{name}"), render(&s, &theme, 100, 24));
    }
    view.push(
        vec!["Run ID: co7 failed after 41s. Error: failed during run, err: exit status 1".into()],
        now(),
    );
    view.status = LogStatus::Complete("Failed".into());
    view.scroll(-2, 17);
    s.panes.runs.logs = vec![view];
    insta::assert_snapshot!(
        "log_finished_paused_100x24_default",
        render(&s, &Theme::default_theme(), 100, 24)
    );
}

#[test]
fn confirmation_dialog_for_production_asks_for_the_name() {
    let mut s = loaded_state();
    s.pane = Pane::Tags;
    // What x on the locked tag 1.4.1 asks, with "write only" chosen by Tab.
    s.table_mut(Pane::Tags).cursor = 0;
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)),
    );
    update(&mut s, Action::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    for c in "contoso".chars() {
        press(&mut s, c);
    }
    assert!(
        s.modal
            .confirmation()
            .is_some_and(|c| c.protected.is_some() && c.typed == "contoso")
    );
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("confirm_production_100x24_{name}"), render(&s, &theme, 100, 24));
    }
    s.flash = Some(("done: lock contosodev/apps/web:1.6.0 against write and delete — registry now reports write and delete disabled".into(), false));
    s.modal = acrdeck::app::Modal::None;
    insta::assert_snapshot!(
        "flash_after_a_change_100x24_default",
        render(&s, &Theme::default_theme(), 100, 24)
    );
}

#[test]
fn a_filter_line_with_its_count_and_a_bad_regex() {
    let mut s = loaded_state();
    s.pane = Pane::Runs;
    s.table_mut(Pane::Runs).filter = "status:failed".into();
    insta::assert_snapshot!(
        "filter_runs_status_failed_default",
        render(&s, &Theme::default_theme(), 100, 24)
    );
    s.table_mut(Pane::Runs).filter = "re:(".into();
    s.modal = acrdeck::app::Modal::Filter;
    insta::assert_snapshot!("filter_bad_regex_default", render(&s, &Theme::default_theme(), 100, 24));
}

#[test]
fn locks_while_the_scan_is_still_going() {
    let mut s = loaded_state();
    s.pane = Pane::Locks;
    let ls = "contosoprod.azurecr.io".to_string();
    let l = s.panes.locks.listings.get_mut(&ls).unwrap();
    l.loading = true;
    l.loaded_at = None;
    l.value.as_mut().unwrap().truncate(1);
    s.panes.locks.scan.insert(ls, (1, 3));
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("locks_scanning_100x24_{name}"), render(&s, &theme, 100, 24));
    }
}

#[test]
fn tag_detail_and_sorted_tags() {
    let mut s = loaded_state();
    s.pane = Pane::Tags;
    s.table_mut(Pane::Tags).sort = Some(acrdeck::app::Sort {
        column: acrdeck::app::TagColumn::Created,
        descending: false,
    });
    insta::assert_snapshot!(
        "tags_sorted_by_created_100x24_default",
        render(&s, &Theme::default_theme(), 100, 24)
    );
    s.panes.tags.detail = true;
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("tag_detail_100x24_{name}"), render(&s, &theme, 100, 24));
    }
}

#[test]
fn log_search_gutter_and_several_logs() {
    let mut s = loaded_state();
    s.pane = Pane::Runs;
    let mut a = LogView::new("contosoprod.azurecr.io".into(), "contosoprod".into(), "co5".into());
    a.status = LogStatus::Complete("Succeeded".into());
    let mut b = LogView::new("contosoprod.azurecr.io".into(), "contosoprod".into(), "co7".into());
    b.push(
        (1..=40)
            .map(|i| {
                if i % 9 == 0 {
                    format!("\u{1b}[31mERROR\u{1b}[0m step {i}: pull access denied")
                } else {
                    format!("step {i}: ok")
                }
            })
            .collect(),
        now(),
    );
    b.search = "error".into();
    b.gutter = Gutter::Numbers;
    assert!(b.find(true, 16));
    s.panes.runs.logs = vec![a, b];
    s.panes.runs.log_shown = Some(1);
    for (name, theme) in themes() {
        insta::assert_snapshot!(
            format!("log_search_numbers_two_open_100x24_{name}"),
            render(&s, &theme, 100, 24)
        );
    }
    let view = &mut s.panes.runs.logs[1];
    view.gutter = Gutter::Times;
    view.wrap = true;
    view.follow = true;
    view.search.clear();
    view.push(vec![format!("a long line {}", "0123456789 ".repeat(15))], now());
    insta::assert_snapshot!(
        "log_wrapped_times_100x24_default",
        render(&s, &Theme::default_theme(), 100, 24)
    );
}

#[test]
fn command_line_offers_completions_and_says_what_is_wrong() {
    let mut s = loaded_state();
    press(&mut s, ':');
    for c in "re".chars() {
        press(&mut s, c);
    }
    update(&mut s, Action::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    insta::assert_snapshot!(
        "command_line_completions_100x24_default",
        render(&s, &Theme::default_theme(), 100, 24)
    );
    for c in "gistry nowhere".chars() {
        press(&mut s, c);
    }
    update(&mut s, Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("command_line_error_100x24_{name}"), render(&s, &theme, 100, 24));
    }
}

#[test]
fn help_scrolls_when_it_does_not_fit() {
    let mut s = state();
    press(&mut s, '?');
    for _ in 0..30 {
        press(&mut s, 'j');
    }
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("help_scrolled_80x24_{name}"), render(&s, &theme, 80, 24));
    }
    insta::assert_snapshot!("help_wide_160x40_default", render(&s, &Theme::default_theme(), 160, 40));
}

#[test]
fn imports_pane_every_state_and_the_approval_dialog() {
    use acrdeck::app::panes::imports::{PlannedFile, RunState};
    use acrdeck::imports::execute::{Outcome, Step};
    use acrdeck::imports::plan::Status;
    let mut s = loaded_state();
    let parsed = acrdeck::imports::file::parse(
        "images.txt",
        "# production images\n\
         registry.k8s.io/ingress-nginx/controller:v1.11.1 => ingress-nginx/controller\n\
         quay.io/jetstack/cert-manager-controller:v1.15.2 => jetstack/cert-manager-controller\n\
         contosouat.azurecr.io/apps/web:1.5.0 => apps/web\n\
         contosouat.azurecr.io/apps/web:1.4.1 => apps/web\n\
         docker.io/cloudflare/cloudflared:latest => cloudflare/cloudflared\n\
         mcr.microsoft.com/azuredocs/aks-helloworld:v1 => azuredocs/aks-helloworld\n\
         quay.io/jetstack/cert-manager-webhook:v1.15.2 => jetstack/cert-manager-webhook\n\
         quay.io/jetstack/cert-manager-cainjector:v1.15.2 jetstack/cert-manager-cainjector\n",
    );
    let d = |c: char| format!("sha256:{}", c.to_string().repeat(64));
    let t = Some(now() - chrono::Duration::days(3));
    let statuses = vec![
        Status::Queued,
        Status::Present {
            digest: d('a'),
            updated: t,
            source_digest: None,
        },
        Status::Drifted {
            digest: d('b'),
            updated: t,
            source_digest: d('c'),
        },
        Status::Locked {
            digest: d('d'),
            updated: t,
            repository: false,
        },
        Status::Queued,
        Status::Queued,
        Status::Queued,
    ];
    let files = vec![PlannedFile {
        label: "images.txt".into(),
        login_server: Some("contosoprod.azurecr.io".into()),
        registry: "prod".into(),
        lock_after_import: true,
        entries: parsed.entries.into_iter().zip(statuses).collect(),
        problems: parsed.problems,
        error: None,
    }];
    s.pane = Pane::Imports;
    update(&mut s, Action::ImportsPlanned { files, error: None });
    s.panes.imports.rows[4].run = Some(RunState::Done {
        outcome: Outcome::Failed {
            error: "import docker.io/cloudflare/cloudflared:latest failed on contosoprod: SourceCredentialsRequired (HTTP 400)".into(),
            request_ids: vec![],
        },
        audit_error: None,
    });
    s.panes.imports.rows[5].run = Some(RunState::Done {
        outcome: Outcome::Imported {
            digest: d('e'),
            locked: true,
            request_ids: vec![],
        },
        audit_error: None,
    });
    s.panes.imports.rows[6].run = Some(RunState::Running(Step::Polling { polls: 2 }));
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("imports_pane_120x24_{name}"), render(&s, &theme, 120, 24));
    }
    // Select the queued and the drifted line and approve: production, so the note is required.
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)),
    );
    update(&mut s, Action::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)));
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)),
    );
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)),
    );
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::CONTROL)),
    );
    let dialog = s.modal.confirmation().expect("approval dialog");
    assert!(dialog.note_required, "a production target needs a note");
    update(&mut s, Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(s.modal.confirmation().is_some_and(|d| d.error.is_some()));
    for (name, theme) in themes() {
        insta::assert_snapshot!(
            format!("imports_approve_production_120x30_{name}"),
            render(&s, &theme, 120, 30)
        );
    }
}

fn stage(name: &str, last: bool) -> acrdeck::promote::ResolvedStage {
    acrdeck::promote::ResolvedStage {
        stage: acrdeck::promote::Stage {
            name: name.into(),
            registry: format!("contoso{name}.azurecr.io"),
            policy: acrdeck::promote::Policy {
                typed_confirmation: last,
                lock_write: last,
                lock_delete: last,
                repositories: vec![],
                allow_replace: false,
                allow_skip: false,
                ..Default::default()
            },
        },
        registry: acrdeck::acr::RegistryRef {
            subscription: "s".into(),
            resource_group: format!("rg-{name}"),
            name: format!("contoso{name}"),
        },
        login_server: format!("contoso{name}.azurecr.io"),
        name: format!("contoso{name}"),
    }
}

#[test]
fn promotions_board_and_the_promotion_dialog() {
    use acrdeck::app::panes::imports::RunState;
    use acrdeck::imports::execute::{Outcome, Step};
    use acrdeck::promote::board::{Board, BoardRow, Cell};
    use acrdeck::promote::promotion::{Promotion, TargetState, Verdict};
    let mut s = loaded_state();
    let d = |c: char| Some(format!("sha256:{}", c.to_string().repeat(64)));
    let cell = |digest: Option<String>, locked: bool| Cell {
        digest,
        write_locked: locked,
        delete_locked: locked,
        updated: None,
    };
    let stages: Vec<_> = ["dev", "staging", "uat", "prod"]
        .iter()
        .enumerate()
        .map(|(i, n)| stage(n, i == 3))
        .collect();
    s.panes.promotions.repository = Some("apps/web".into());
    s.panes.promotions.stages = stages.clone();
    s.panes.promotions.board = Some(Board {
        repository: "apps/web".into(),
        repositories: vec!["apps/web".into()],
        matched: 1,
        stages: vec!["dev".into(), "staging".into(), "uat".into(), "prod".into()],
        rows: vec![
            BoardRow {
                repository: "apps/web".into(),
                tag: "1.7.0-rc.1".into(),
                cells: vec![
                    cell(d('7'), false),
                    cell(None, false),
                    cell(None, false),
                    cell(None, false),
                ],
            },
            BoardRow {
                repository: "apps/web".into(),
                tag: "1.5.0".into(),
                cells: vec![
                    cell(d('5'), false),
                    cell(d('5'), false),
                    cell(d('5'), false),
                    cell(None, false),
                ],
            },
            BoardRow {
                repository: "apps/web".into(),
                tag: "2.1.0".into(),
                cells: vec![
                    cell(d('2'), false),
                    cell(d('2'), false),
                    cell(d('9'), false),
                    cell(None, false),
                ],
            },
            BoardRow {
                repository: "apps/web".into(),
                tag: "1.4.1".into(),
                cells: vec![
                    cell(d('4'), false),
                    cell(d('4'), false),
                    cell(d('4'), false),
                    cell(d('4'), true),
                ],
            },
        ],
        errors: vec![None, None, None, None],
        repository_locked: vec![false; 4],
    });
    s.panes.promotions.read_at = Some(now());
    s.panes.promotions.column = 2;
    s.panes.promotions.runs.insert(
        ("apps/web".into(), "1.7.0-rc.1".into()),
        ("staging".into(), RunState::Running(Step::Polling { polls: 2 })),
    );
    s.panes.promotions.runs.insert(
        ("apps/web".into(), "1.4.1".into()),
        (
            "prod".into(),
            RunState::Done {
                outcome: Outcome::Imported {
                    digest: d('4').unwrap(),
                    locked: true,
                    request_ids: vec![],
                },
                audit_error: None,
            },
        ),
    );
    s.pane = Pane::Promotions;
    s.touch(Pane::Promotions);
    s.sync_rows();
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("promotions_board_120x24_{name}"), render(&s, &theme, 120, 24));
    }
    let plan = |tag: &str, state: TargetState, verdict: Verdict| Promotion {
        repository: "apps/web".into(),
        tag: tag.into(),
        source: 2,
        target: 3,
        digest: d('5').unwrap(),
        target_state: state,
        verdict,
    };
    update(
        &mut s,
        Action::PromotionsPlanned(Ok(vec![
            plan(
                "1.5.0",
                TargetState::Absent,
                Verdict::Go(acrdeck::acr::model::ImportMode::NoForce),
            ),
            plan(
                "1.4.1",
                TargetState::Locked {
                    digest: d('4'),
                    repository: false,
                },
                Verdict::Refused(
                    "apps/web:1.4.1 is write-locked in prod: unlock it first if the change is intended".into(),
                ),
            ),
        ])),
    );
    for c in "REL-9".chars() {
        press(&mut s, c);
    }
    update(&mut s, Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(
        s.modal
            .confirmation()
            .is_some_and(|d| d.typing_name && d.error.is_some())
    );
    for c in "contosop".chars() {
        press(&mut s, c);
    }
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("promote_dialog_120x30_{name}"), render(&s, &theme, 120, 30));
    }
}

#[test]
fn audit_pane_with_a_change_that_has_no_outcome() {
    use acrdeck::audit::{Operator, Record};
    // The pane shows local time; the snapshot is taken in UTC wherever it runs. No other test
    // of this binary reads the time zone, so setting it here races with nothing.
    unsafe { std::env::set_var("TZ", "UTC") };
    let mut s = loaded_state();
    let op = Operator {
        principal: "ops@contoso.com".into(),
        ..Default::default()
    };
    let at = |mins: i64| now() - chrono::Duration::minutes(mins);
    let mut lock = Record::intent("lock", op.clone(), "contosoprod.azurecr.io/apps/web:1.5.0".into());
    lock.id = "1".into();
    lock.time = at(30);
    // Fixed, not this machine's name: the snapshot must not depend on where it runs.
    lock.host = "jumpbox-1".into();
    let mut lock_done = lock.outcome("done");
    lock_done.time = at(30);
    lock_done.detail = Some("registry now reports write and delete disabled".into());
    let mut promote = Record {
        note: Some("REL-9 web 1.5.0 to prod".into()),
        source: Some("contosouat.azurecr.io/apps/web:1.5.0@sha256:55".into()),
        source_digest: Some(format!("sha256:{}", "5".repeat(64))),
        mode: Some("NoForce".into()),
        ..Record::intent("promote", op.clone(), "contosoprod.azurecr.io/apps/web:1.5.0".into())
    };
    promote.id = "2".into();
    promote.time = at(20);
    promote.host = "jumpbox-1".into();
    let mut failed = promote.outcome("failed");
    failed.error = Some("DIGEST MISMATCH: apps/web:1.5.0 now has digest sha256:66…".into());
    let mut killed = Record::intent(
        "import",
        op,
        "contosodev.azurecr.io/ingress-nginx/controller:v1.11.1".into(),
    );
    killed.id = "3".into();
    killed.time = at(5);
    killed.host = "jumpbox-1".into();
    s.panes.audit.entries = acrdeck::audit::entries(vec![lock, lock_done, promote, failed, killed]);
    s.panes.audit.path = Some("/home/ops/.local/state/acrdeck/audit.jsonl".into());
    s.panes.audit.read_at = Some(now());
    s.pane = Pane::Audit;
    s.touch(Pane::Audit);
    s.sync_rows();
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("audit_pane_120x24_{name}"), render(&s, &theme, 120, 24));
    }
}

#[test]
fn the_audit_pane_shows_a_hostile_digest_without_a_panic() {
    use acrdeck::audit::{Operator, Record};
    let mut s = loaded_state();
    let mut r = Record::intent(
        "promote",
        Operator::default(),
        "contosoprod.azurecr.io/apps/web:1.5.0".into(),
    );
    // Multi-byte characters where a byte-index cut at twelve lands mid-character, and an escape.
    r.source_digest = Some("sha256:aééééééééé\u{1b}]52;c;ZXZpbA==\u{7}".into());
    r.time = now();
    s.panes.audit.entries = acrdeck::audit::entries(vec![r]);
    s.panes.audit.read_at = Some(now());
    s.pane = Pane::Audit;
    s.touch(Pane::Audit);
    s.sync_rows();
    let screen = render(&s, &Theme::monochrome(), 120, 24);
    assert!(screen.contains("aééééééééé\u{fffd}]"), "{screen}");
    assert!(!screen.contains('\u{1b}'), "{screen}");
}

/// Deterministic pseudo-random hostile strings: control characters, escape sequences (CSI, OSC
/// 52 clipboard, OSC 0 title), C1 controls, bidirectional overrides, combining marks, wide and
/// right-to-left text, and random code points from every plane.
struct Hostile(u64);

impl Hostile {
    fn next(&mut self) -> u64 {
        // xorshift64*: enough spread for test inputs, and the same every run.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn string(&mut self) -> String {
        const PIECES: &[&str] = &[
            "\u{1b}]52;c;ZXZpbA==\u{7}",
            "\u{1b}]0;pwned\u{7}",
            "\u{1b}[2J\u{1b}[H",
            "\u{1b}[31m",
            "\u{9b}6n",
            "\u{9d}8;;http://x\u{9c}",
            "\u{202e}",
            "\u{2066}",
            "\r",
            "\n",
            "\t",
            "\u{7f}",
            "\u{0}",
            "e\u{301}",
            "\u{200d}",
            "日本語",
            "👍🏽",
            "مرحبا",
            "1.4.0",
            "sha256:",
        ];
        let len = self.next() % 12;
        let mut s = String::new();
        for _ in 0..len {
            let r = self.next();
            if r.is_multiple_of(3) {
                if let Some(c) = char::from_u32((r >> 8) as u32 % 0x11_0000) {
                    s.push(c);
                }
            } else {
                s.push_str(PIECES[(r >> 8) as usize % PIECES.len()]);
            }
        }
        s
    }
}

/// Every cell of a rendered screen: no control character may reach the terminal through it.
fn screen_is_inert(state: &State, cols: u16, rows: u16) -> Result<(), String> {
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("test terminal");
    terminal
        .draw(|f| ui::draw(state, &Theme::default_theme(), f))
        .expect("draw");
    for cell in terminal.backend().buffer().content() {
        if cell
            .symbol()
            .chars()
            .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c))
        {
            return Err(format!("a cell holds {:?}", cell.symbol()));
        }
    }
    Ok(())
}

/// A state whose every listing holds service text `h`: a registry, repository, tags (names
/// and digests), runs (ids, tasks, errors), tasks, locks, cache rules and credential sets, an
/// audit trail, a run log, and a failed import.
fn hostile_state(h: &str) -> State {
    use acrdeck::app::data::{CacheRuleRow, LockedItem, LockedKind, RegistryRow};
    let mut s = loaded_state();
    let reg = registry(&format!("evil{h}"), h, h, h);
    let ls = reg.properties.login_server.clone();
    s.registries.settle(
        vec![RegistryRow {
            registry: reg,
            storage: Some((1, 2)),
            health: Some(format!("403 {h}").into()),
            replicas: Some(Ok(vec![replica(h, h, h, Some(h))])),
        }],
        None,
        now(),
        true,
    );
    let repo = format!("apps/{h}");
    s.nav.registry = Some(ls.clone());
    s.nav.repository = Some(repo.clone());
    s.panes
        .repositories
        .listings
        .entry(ls.clone())
        .or_default()
        .settle(vec![repo.clone()], None, now(), true);
    let props: acrdeck::acr::model::RepositoryProperties =
        serde_json::from_value(serde_json::json!({"imageName": repo, "tagCount": 1, "manifestCount": 1})).unwrap();
    s.panes.repositories.props.insert((ls.clone(), repo.clone()), props);
    let tag = acrdeck::app::data::TagRow::new(
        serde_json::from_value(serde_json::json!({"name": h, "digest": format!("sha256:{h}"), "createdTime": now().to_rfc3339(), "lastUpdateTime": now().to_rfc3339()})).unwrap(),
        Some(std::sync::Arc::new(serde_json::from_value(serde_json::json!({"digest": format!("sha256:{h}"), "mediaType": h, "references": [{"digest": h, "os": h, "architecture": h}]})).unwrap())),
    );
    s.panes
        .tags
        .listings
        .entry((ls.clone(), repo.clone()))
        .or_default()
        .settle(vec![tag], None, now(), true);
    let run: acrdeck::acr::model::Run = serde_json::from_value(serde_json::json!({"name": h, "properties": {
        "runId": h, "task": h, "status": "Failed", "runErrorMessage": h, "startTime": now().to_rfc3339(),
        "outputImages": [{"registry": h, "repository": h, "tag": h, "digest": h}],
        "platform": {"os": h, "architecture": h}}}))
    .unwrap();
    s.runs
        .entry(ls.clone())
        .or_default()
        .settle(vec![run], None, now(), true);
    let task: acrdeck::acr::model::Task =
        serde_json::from_value(serde_json::json!({"name": h, "properties": {"status": "Enabled", "trigger": {}}}))
            .unwrap();
    s.panes
        .runs
        .tasks
        .entry(ls.clone())
        .or_default()
        .settle(vec![task], None, now(), true);
    s.panes.locks.listings.entry(ls.clone()).or_default().settle(
        vec![LockedItem {
            kind: LockedKind::Manifest,
            repository: repo.clone(),
            reference: format!("sha256:{h}"),
            attributes: Default::default(),
            tags: vec![h.to_string()],
        }],
        None,
        now(),
        true,
    );
    let rule: acrdeck::acr::model::CacheRule = serde_json::from_value(serde_json::json!({"name": h, "properties": {
        "sourceRepository": h, "targetRepository": h, "provisioningState": h, "credentialSetResourceId": h}}))
    .unwrap();
    let cred: acrdeck::acr::model::CredentialSet = serde_json::from_value(serde_json::json!({"name": h, "properties": {
        "loginServer": h, "authCredentials": [{"name": h, "credentialHealth": {"status": h, "errorCode": h, "errorMessage": h}}]}})).unwrap();
    s.panes.cache_rules.listings.entry(ls.clone()).or_default().settle(
        vec![CacheRuleRow {
            rule,
            credential: Some(cred),
        }],
        None,
        now(),
        true,
    );
    let hook = acrdeck::app::data::WebhookRow {
        webhook: serde_json::from_value(serde_json::json!({"id": h, "name": h, "location": h,
            "properties": {"status": h, "scope": h, "actions": [h]}}))
        .unwrap(),
        host: Some(h.into()),
        deliveries: vec![acrdeck::acr::model::Delivery {
            id: h.into(),
            at: Some(now()),
            action: h.into(),
            repository: Some(h.into()),
            tag: Some(h.into()),
            digest: Some(h.into()),
            status: Some(503),
        }],
        problem: Some(h.to_string().into()),
    };
    s.webhooks
        .entry(ls.clone())
        .or_default()
        .settle(vec![hook], None, now(), true);
    let token = acrdeck::app::data::TokenRow {
        token: serde_json::from_value(serde_json::json!({"id": h, "name": h, "properties": {"status": h,
            "scopeMapId": h, "credentials": {"passwords": [{"name": "password1", "expiry": now().to_rfc3339()}]}}}))
        .unwrap(),
        scope_map: Some(h.into()),
        permissions: vec![acrdeck::acr::model::RepositoryPermission {
            repository: h.into(),
            actions: vec![h.into()],
        }],
    };
    s.panes
        .tokens
        .listings
        .entry(ls.clone())
        .or_default()
        .settle(vec![token], None, now(), true);
    {
        use acrdeck::promote::approval::*;
        let person = Person {
            object_id: h.into(),
            name: h.into(),
        };
        let row = acrdeck::app::data::RequestRow {
            found: Found {
                id: format!("sha256:{h}"),
                registry: h.into(),
                repository: h.into(),
                request: Request {
                    source_stage: h.into(),
                    target_stage: h.into(),
                    source_registry: h.into(),
                    target_registry: h.into(),
                    repository: h.into(),
                    tag: h.into(),
                    digest: h.into(),
                    requester: person.clone(),
                    created: now(),
                    expires: now(),
                    note: h.into(),
                },
                reviews: vec![Review {
                    request: h.into(),
                    digest: h.into(),
                    decision: Decision::Reject,
                    reviewer: person.clone(),
                    at: now(),
                    note: h.into(),
                }],
            },
            judgement: Judgement {
                state: State::Rejected {
                    by: h.into(),
                    note: h.into(),
                },
                counted: vec![],
                not_counted: vec![(person, h.into())],
                blockers: vec![h.into()],
                validation: Validation::Failed {
                    task: h.into(),
                    run_id: h.into(),
                    status: h.into(),
                },
            },
        };
        s.requests.settle(
            acrdeck::app::data::Requests {
                rows: vec![row],
                stages: vec![],
                problems: vec![h.into()],
            },
            None,
            now(),
            true,
        );
    }
    let mut r = acrdeck::audit::Record::intent(
        h,
        acrdeck::audit::Operator {
            principal: h.into(),
            ..Default::default()
        },
        h.into(),
    );
    r.source_digest = Some(h.into());
    r.note = Some(h.into());
    let mut done = r.outcome(h);
    done.error = Some(h.into());
    done.detail = Some(h.into());
    s.panes.audit.entries = acrdeck::audit::entries(vec![r, done]);
    s.panes.audit.read_at = Some(now());
    let mut view = acrdeck::app::log_view::LogView::new(ls.clone(), h.into(), h.into());
    view.push(vec![h.into(), format!("step {h} done"), h.repeat(40)], now());
    s.panes.runs.logs = vec![view];
    s.flash = Some((h.into(), true));
    s
}

#[test]
fn random_hostile_service_text_renders_in_every_pane_inert() {
    let mut texts = Hostile(0x5eed_ac4d_ec4b_1e55);
    for case in 0..60 {
        let h = texts.string();
        let mut s = hostile_state(&h);
        for pane in Pane::ALL {
            s.pane = pane;
            s.touch(pane);
            s.sync_rows();
            for (cols, rows) in [(80, 24), (133, 41)] {
                if let Err(e) = screen_is_inert(&s, cols, rows) {
                    panic!("case {case}, {pane:?} at {cols}x{rows}, text {h:?}: {e}");
                }
            }
        }
        // The log view, opened.
        s.pane = Pane::Runs;
        s.panes.runs.log_shown = Some(0);
        if let Err(e) = screen_is_inert(&s, 100, 30) {
            panic!("case {case}, the log view, text {h:?}: {e}");
        }
    }
}

#[test]
fn the_hostile_state_reaches_the_panes_it_is_meant_for() {
    let mut s = hostile_state("MARK\u{202e}\u{1b}]52;c;QQ==\u{7}");
    // Not through the footer: each pane must show the text in its own rows.
    s.flash = None;
    for pane in Pane::ALL
        .into_iter()
        .filter(|p| !matches!(p, Pane::Imports | Pane::Promotions))
    {
        s.pane = pane;
        s.touch(pane);
        s.sync_rows();
        let screen = render(&s, &Theme::monochrome(), 133, 41);
        // The text is in the pane's rows (not only a title or the breadcrumb); its override
        // and escape are shown as U+FFFD or dropped.
        let in_rows = screen
            .lines()
            .any(|l| l.contains("MARK") && !l.contains('┌') && !l.contains('└'));
        assert!(in_rows, "{pane:?}: {screen}");
        assert!(!screen.contains('\u{1b}') && !screen.contains('\u{202e}'), "{pane:?}");
    }
}

#[test]
fn a_name_longer_than_its_column_ends_in_an_ellipsis() {
    let long = format!("release-{}", "x".repeat(150));
    let mut s = hostile_state(&long);
    for (pane, cols) in [(Pane::Tags, 80), (Pane::Tags, 133), (Pane::Repositories, 80)] {
        s.pane = pane;
        s.touch(pane);
        s.sync_rows();
        let screen = render(&s, &Theme::monochrome(), cols, 24);
        let row = screen
            .lines()
            .find(|l| l.contains("│release-xxx") || l.contains("│apps/release-xxx"))
            .unwrap_or_else(|| panic!("{pane:?} at {cols}: the long name is shown:\n{screen}"));
        assert!(row.contains("x… "), "{pane:?} at {cols}: cut with an ellipsis: {row}");
    }
}

/// A rollout under way across the four stages: runs in several registries (one failed in
/// staging), pushes checked in the next stage, a webhook refusing its deliveries, a pinned tile.
fn rollout_state() -> State {
    let mut s = loaded_state();
    let at = |mins: i64| (now() - chrono::Duration::minutes(mins)).to_rfc3339();
    let run =
        |id: &str, task: &str, status: &str, started: i64, took: Option<i64>, pushed: Option<(&str, &str, &str)>| {
            let finish = took.map(|t| at(started - t));
            let images: Vec<serde_json::Value> = pushed
                .into_iter()
                .map(|(repo, tag, digest)| serde_json::json!({"repository": repo, "tag": tag, "digest": digest}))
                .collect();
            serde_json::from_value::<acrdeck::acr::model::Run>(serde_json::json!({"name": id, "properties": {
            "runId": id, "task": task, "status": status, "createTime": at(started), "startTime": at(started),
            "finishTime": finish, "trigger": "manual", "outputImages": images}}))
            .unwrap()
        };
    let digest = "sha256:4f1c2a9e0b7d6c5e3a2f1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e";
    for (ls, runs) in [
        (
            "contosodev.azurecr.io",
            vec![
                run("cf3", "build-web", "Running", 2, None, None),
                run(
                    "cf2",
                    "build-web",
                    "Succeeded",
                    25,
                    Some(3),
                    Some(("apps/web", "1.5.0", digest)),
                ),
            ],
        ),
        (
            "contosostaging.azurecr.io",
            vec![
                run("cg2", "smoke-web", "Failed", 6, Some(1), None),
                run(
                    "cg1",
                    "import-web",
                    "Succeeded",
                    18,
                    Some(1),
                    Some(("apps/web", "1.5.0", digest)),
                ),
            ],
        ),
        (
            "contosouat.azurecr.io",
            vec![run("ch1", "acceptance", "Running", 4, None, None)],
        ),
        (
            "contosoprod.azurecr.io",
            vec![run("ck9", "base-import-node", "Succeeded", 300, Some(2), None)],
        ),
    ] {
        s.runs.entry(ls.into()).or_default().settle(runs, None, now(), true);
    }
    acrdeck::app::panes::rollout::runs_changed(&mut s);
    for (key, present) in [
        (("contosostaging.azurecr.io", "apps/web", digest), true),
        (("contosouat.azurecr.io", "apps/web", digest), false),
    ] {
        let key = (key.0.to_string(), key.1.to_string(), key.2.to_string());
        s.panes.rollout.presence.insert(key, Some(Ok(present)));
    }
    let hook = |name: &str, status: u16| acrdeck::app::data::WebhookRow {
        webhook: serde_json::from_value(serde_json::json!({"id": name, "name": name, "location": "westeurope",
            "properties": {"status": "enabled", "scope": "apps/*", "actions": ["push", "delete"]}}))
        .unwrap(),
        host: Some(format!("{name}.contoso.invalid")),
        deliveries: vec![
            acrdeck::acr::model::Delivery {
                id: format!("{name}-2"),
                at: Some(now() - chrono::Duration::minutes(9)),
                action: "delete".into(),
                repository: Some("apps/web".into()),
                tag: Some("1.3.0-rc.2".into()),
                digest: Some("sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b".into()),
                status: Some(status),
            },
            acrdeck::acr::model::Delivery {
                id: format!("{name}-1"),
                at: Some(now() - chrono::Duration::minutes(18)),
                action: "push".into(),
                repository: Some("apps/web".into()),
                tag: Some("1.5.0".into()),
                digest: Some(digest.into()),
                status: Some(status),
            },
        ],
        problem: None,
    };
    s.webhooks
        .entry("contosostaging.azurecr.io".into())
        .or_default()
        .settle(vec![hook("deploystaging", 503)], None, now(), true);
    s.webhooks.entry("contosoprod.azurecr.io".into()).or_default().settle(
        vec![hook("deployprod", 200)],
        None,
        now(),
        true,
    );
    let token = |name: &str, days: i64| {
        acrdeck::app::data::TokenRow {
        token: serde_json::from_value(serde_json::json!({"id": name, "name": name, "properties": {"status": "enabled",
            "scopeMapId": "/x/scopeMaps/ci-push-web",
            "credentials": {"passwords": [{"name": "password1", "expiry": (now() + chrono::Duration::days(days)).to_rfc3339()}]}}}))
        .unwrap(),
        scope_map: Some("ci-push-web".into()),
        permissions: vec![acrdeck::acr::model::RepositoryPermission {
            repository: "apps/web".into(),
            actions: vec!["content/read".into(), "content/write".into()],
        }],
    }
    };
    s.panes
        .tokens
        .listings
        .entry("contosodev.azurecr.io".into())
        .or_default()
        .settle(
            vec![
                token("ci-pusher", 5),
                token("old-ci-pusher", -2),
                token("cluster-pull", 200),
            ],
            None,
            now(),
            true,
        );
    let mut tile =
        acrdeck::app::log_view::LogView::new("contosouat.azurecr.io".into(), "contosouat".into(), "ch1".into());
    tile.push(
        vec![
            "Step 3/5 : RUN npm ci".into(),
            "added 412 packages in 9s".into(),
            "Step 4/5 : RUN npm test -- --suite acceptance".into(),
            "PASS checkout.spec.ts (14 tests)".into(),
        ],
        now(),
    );
    tile.status = acrdeck::app::log_view::LogStatus::Streaming;
    s.panes.rollout.tiles.push(tile);
    s.signals.latest = Some(acrdeck::app::signals::Signal {
        kind: acrdeck::app::signals::SignalKind::RunFailed,
        text: "run cg2 of smoke-web Failed in contosostaging (staging)".into(),
        at: now() - chrono::Duration::minutes(5),
        bad: true,
    });
    s
}

/// The rollout view's text, one line per row, as README shows it.
fn screen_lines(state: &State, cols: u16, rows: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("test terminal");
    terminal
        .draw(|f| ui::draw(state, &Theme::monochrome(), f))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    (0..rows)
        .map(|y| {
            let line: String = (0..cols).map(|x| buffer[(x, y)].symbol().to_string()).collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn rollout_webhooks_tokens_and_requests_panes() {
    let mut s = rollout_state();
    s.pane = Pane::Rollout;
    s.touch(Pane::Rollout);
    s.sync_rows();
    insta::assert_snapshot!("rollout_140x40_default", render(&s, &Theme::default_theme(), 140, 40));
    let text = screen_lines(&s, 140, 40);
    insta::assert_snapshot!("rollout_140x40_text", text);
    // README's "During a rollout" shows this very screen.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    assert!(
        readme.contains(&format!("```text\n{text}\n```")),
        "README's rollout screen differs from the view: paste tests/snapshots/ui_snapshots__rollout_140x40_text.snap"
    );
    {
        use acrdeck::promote::approval::*;
        let person = |id: &str, name: &str| Person {
            object_id: id.into(),
            name: name.into(),
        };
        let request =
            |id: &str, tag: &str, state: State, counted, not_counted, validation| acrdeck::app::data::RequestRow {
                found: Found {
                    id: format!("sha256:{id}"),
                    registry: "contosouat.azurecr.io".into(),
                    repository: "apps/web".into(),
                    request: Request {
                        source_stage: "uat".into(),
                        target_stage: "prod".into(),
                        source_registry: "contosouat.azurecr.io".into(),
                        target_registry: "contosoprod.azurecr.io".into(),
                        repository: "apps/web".into(),
                        tag: tag.into(),
                        digest: "sha256:4f1c2a9e0b7d6c5e3a2f1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e".into(),
                        requester: person("a", "ops-anna@contoso.com"),
                        created: now() - chrono::Duration::minutes(40),
                        expires: now() + chrono::Duration::hours(23),
                        note: "release 1.5: CHG-4711".into(),
                    },
                    reviews: vec![Review {
                        request: format!("sha256:{id}"),
                        digest: "sha256:4f1c2a9e0b7d6c5e3a2f1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e".into(),
                        decision: Decision::Approve,
                        reviewer: person("a", "ops-anna@contoso.com"),
                        at: now() - chrono::Duration::minutes(30),
                        note: "fine by me".into(),
                    }],
                },
                judgement: Judgement {
                    state,
                    counted,
                    not_counted,
                    blockers: vec![],
                    validation,
                },
            };
        let passed = Validation::Passed {
            task: "validate-base-image".into(),
            run_id: "ch3".into(),
            at: Some(now() - chrono::Duration::minutes(55)),
        };
        let rows = vec![
            request(
                "9ffa30104a52aaaa",
                "1.5.0",
                State::Pending {
                    approvals: 0,
                    needed: 1,
                },
                vec![],
                vec![(
                    person("a", "ops-anna@contoso.com"),
                    "the requester cannot approve their own request".into(),
                )],
                passed.clone(),
            ),
            request(
                "77b0e1c2d3f4aaaa",
                "1.4.2",
                State::Expired {
                    at: now() - chrono::Duration::hours(2),
                },
                vec![],
                vec![],
                passed,
            ),
        ];
        s.requests.settle(
            acrdeck::app::data::Requests {
                rows,
                stages: vec![],
                problems: vec![],
            },
            None,
            now(),
            true,
        );
    }
    for (pane, name) in [
        (Pane::Webhooks, "webhooks"),
        (Pane::Tokens, "tokens"),
        (Pane::Requests, "requests"),
    ] {
        s.pane = pane;
        s.touch(pane);
        s.sync_rows();
        for (theme_name, theme) in themes() {
            insta::assert_snapshot!(format!("pane_{name}_120x30_{theme_name}"), render(&s, &theme, 120, 30));
        }
    }
}
