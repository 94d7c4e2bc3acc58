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
        },
        RegistryRow {
            registry: registry("contosodev", "dev", "Premium", "Enabled"),
            storage: Some((1_363_148, 500 << 30)),
            health: None,
        },
        RegistryRow {
            registry: registry("contosouat", "uat", "Standard", "Enabled"),
            storage: None,
            health: Some("403 Forbidden".into()),
        },
        RegistryRow {
            registry: registry("contosostaging", "staging", "Standard", "Enabled"),
            storage: Some((741_900, 100 << 30)),
            health: None,
        },
    ];
    s.data
        .registries
        .settle(rows, None, now() - chrono::Duration::seconds(42), true);
    s.stage_order = vec!["dev".into(), "staging".into(), "uat".into(), "prod".into()];
    let ls = "contosoprod.azurecr.io".to_string();
    s.nav.registry = Some(ls.clone());
    s.nav.repository = Some("apps/web".into());
    s.data.repositories.entry(ls.clone()).or_default().settle(
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
        s.data.repository_props.insert((ls.clone(), name.into()), p);
    }
    let tag = |name: &str, digest: &str, days: i64, locked: bool| {
        acrdeck::app::data::TagRow::new(
        serde_json::from_value(serde_json::json!({
            "name": name, "digest": format!("sha256:{digest}"), "createdTime": (now() - chrono::Duration::days(days)).to_rfc3339(),
            "lastUpdateTime": (now() - chrono::Duration::days(days)).to_rfc3339(),
            "changeableAttributes": if locked { serde_json::json!({"writeEnabled": false, "deleteEnabled": false}) } else { serde_json::json!({}) }
        }))
        .unwrap(),
        Some(serde_json::from_value(serde_json::json!({
            "digest": format!("sha256:{digest}"), "imageSize": 125_602, "mediaType": "application/vnd.oci.image.index.v1+json",
            "references": [{"digest": "sha256:a", "os": "linux", "architecture": "amd64"}, {"digest": "sha256:b", "os": "linux", "architecture": "arm64"}]
        }))
        .unwrap()),
    )
    };
    s.data.tags.entry((ls.clone(), "apps/web".into())).or_default().settle(
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
    s.data.runs.entry(ls).or_default().settle(
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
    for pane in [Pane::Registries, Pane::Repositories, Pane::Tags, Pane::Runs] {
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
    s.data.tags.get_mut(&(ls, "apps/web".into())).unwrap().settle(
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
fn panes_before_anything_is_chosen_or_loaded() {
    let mut s = state();
    s.data.registries.loading = true;
    insta::assert_snapshot!("pane_registries_loading", render(&s, &Theme::default_theme(), 80, 24));
    s.pane = Pane::Tags;
    insta::assert_snapshot!("pane_tags_nothing_chosen", render(&s, &Theme::default_theme(), 80, 24));
}

#[test]
fn log_view_following_and_finished() {
    let mut s = loaded_state();
    s.pane = Pane::Runs;
    let mut view =
        acrdeck::app::data::LogView::new("contosoprod.azurecr.io".into(), "contosoprod".into(), "co7".into());
    view.push(vec![
        "2026/11/22 11:58:00 Executing step ID: build. Timeout(sec): 28800".into(),
        "Step 5/6 : RUN npm test".into(),
        "\u{1b}[32m✓ PASS\u{1b}[0m api.test.js › case 0 (3 ms)".into(),
        "\u{1b}[31m✗ FAIL\u{1b}[0m render.test.js › case 1: expected 200, received 500".into(),
    ]);
    s.log = Some(view.clone());
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("log_streaming_100x24_{name}"), render(&s, &theme, 100, 24));
    }
    view.push(vec![
        "Run ID: co7 failed after 41s. Error: failed during run, err: exit status 1".into(),
    ]);
    view.status = acrdeck::app::data::LogStatus::Complete("Failed".into());
    view.scroll(-2, 17);
    s.log = Some(view);
    insta::assert_snapshot!(
        "log_finished_paused_100x24_default",
        render(&s, &Theme::default_theme(), 100, 24)
    );
}

#[test]
fn confirmation_dialog_for_production_asks_for_the_name() {
    let mut s = loaded_state();
    s.pane = Pane::Tags;
    s.confirm = Some(acrdeck::app::mutation::Confirm {
        mutation: acrdeck::app::mutation::Mutation::TagLocks {
            login_server: "contosoprod.azurecr.io".into(),
            registry_name: "contosoprod".into(),
            repository: "apps/web".into(),
            tag: "1.4.1".into(),
            lock: false,
        },
        production: true,
        typed: "contoso".into(),
    });
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("confirm_production_100x24_{name}"), render(&s, &theme, 100, 24));
    }
    s.flash = Some(("done: lock contosodev/apps/web:1.6.0 against write and delete — registry now reports write and delete disabled".into(), false));
    s.confirm = None;
    insta::assert_snapshot!(
        "flash_after_a_change_100x24_default",
        render(&s, &Theme::default_theme(), 100, 24)
    );
}

#[test]
fn a_filter_line_with_its_count_and_a_bad_regex() {
    let mut s = loaded_state();
    s.pane = Pane::Runs;
    s.filters.insert(Pane::Runs, "status:failed".into());
    insta::assert_snapshot!(
        "filter_runs_status_failed_default",
        render(&s, &Theme::default_theme(), 100, 24)
    );
    s.filters.insert(Pane::Runs, "re:(".into());
    s.filter_editing = true;
    insta::assert_snapshot!("filter_bad_regex_default", render(&s, &Theme::default_theme(), 100, 24));
}
