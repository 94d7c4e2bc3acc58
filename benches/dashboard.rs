//! Rendering and filtering at scale: one frame of a 100,000-row tags table at 200x60, and the `/`
//! filter over the same 100,000 rows; one frame of the rollout view over 8 registries with 50
//! runs each (every run pushed an image, so the feed has work), four log tiles of 2,000 lines.
//! Targets: a frame under 2 ms, a filter under 5 ms. Run: `cargo bench --bench dashboard`.

use acrdeck::app::{Action, Environment, Pane, State, update};
use acrdeck::keys::Keymap;
use acrdeck::ui::{self, Theme};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::{Terminal, backend::TestBackend};
use std::hint::black_box;

fn state_with_tags(n: usize) -> State {
    let mut s = State::new(
        Environment {
            name: "bench".into(),
            detail: "bench".into(),
        },
        Keymap::default(),
        false,
    );
    let ls = "scale.azurecr.io".to_string();
    s.nav.registry = Some(ls.clone());
    s.nav.repository = Some("synthetic/app".into());
    s.pane = Pane::Tags;
    let now = chrono::Utc::now();
    let tags: Vec<acrdeck::acr::model::TagProperties> = (0..n)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "name": format!("build-{i:06}"),
                // Real digests look random: hash the index (a counter would be mostly zeros).
                "digest": format!("sha256:{}", hex::encode(<sha2::Sha256 as sha2::Digest>::digest(i.to_le_bytes()))),
                "createdTime": (now - chrono::Duration::seconds(i as i64)).to_rfc3339(),
                "lastUpdateTime": (now - chrono::Duration::seconds(i as i64)).to_rfc3339(),
                "changeableAttributes": {"writeEnabled": i % 10 != 0}
            }))
            .expect("tag")
        })
        .collect();
    // Through the update, as the dashboard takes a listing (this builds the search index).
    s.now = now;
    update(
        &mut s,
        Action::TagsLoaded {
            login_server: ls,
            page: acrdeck::app::Page::whole(0),
            repository: "synthetic/app".into(),
            tags,
            manifests: vec![],
            error: None,
        },
    );
    s.table_mut(Pane::Tags).cursor = n / 2;
    s
}

fn bench(c: &mut Criterion) {
    let mut state = state_with_tags(100_000);
    let theme = Theme::default_theme();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    c.bench_function("render 100k-row tags table at 200x60", |b| {
        b.iter(|| {
            terminal
                .draw(|f| ui::draw(black_box(&state), &theme, f))
                .map(|_| ())
                .expect("draw")
        })
    });
    // The filter itself, uncached: what one keystroke in `/` costs.
    state.table_mut(Pane::Tags).filter = "build-09".into();
    c.bench_function("filter 100k tags by a word", |b| {
        b.iter(|| black_box(state.compute_visible(Pane::Tags)).len())
    });
    state.table_mut(Pane::Tags).filter = "locked:yes 00".into();
    c.bench_function("filter 100k tags by column and word", |b| {
        b.iter(|| black_box(state.compute_visible(Pane::Tags)).len())
    });
    state.table_mut(Pane::Tags).filter = "re:build-0[0-4]".into();
    c.bench_function("filter 100k tags by a regex", |b| {
        b.iter(|| black_box(state.compute_visible(Pane::Tags)).len())
    });
    // The worst case: no literal to jump to, and every row matches.
    state.table_mut(Pane::Tags).filter = r"re:\d{6}".into();
    c.bench_function("filter 100k tags by a regex matching every row", |b| {
        b.iter(|| black_box(state.compute_visible(Pane::Tags)).len())
    });
    state.table_mut(Pane::Tags).filter = "locked:yes 00".into();
    // As the dashboard draws: rows worked out once per change, then every frame reads them.
    state.sync_rows();
    c.bench_function("render 100k-row tags table filtered", |b| {
        b.iter(|| {
            terminal
                .draw(|f| ui::draw(black_box(&state), &theme, f))
                .map(|_| ())
                .expect("draw")
        })
    });
}

/// 8 registries in 8 stages, 50 runs each (a few running, the rest succeeded with an image
/// pushed), their webhooks' deliveries and four pinned tiles full of log lines: taken through
/// `update` as the dashboard takes them.
fn rollout_state() -> State {
    let mut s = State::new(
        Environment {
            name: "bench".into(),
            detail: "bench".into(),
        },
        Keymap::default(),
        false,
    );
    let now = chrono::Utc::now();
    s.now = now;
    let stages: Vec<String> = (0..8).map(|i| format!("stage{i}")).collect();
    s.stage_order = stages.clone();
    let registries: Vec<acrdeck::acr::model::Registry> = stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            serde_json::from_value(serde_json::json!({
                "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/reg{i}"),
                "name": format!("reg{i}"), "location": "westeurope", "tags": {"stage": stage}, "sku": {"name": "Premium"},
                "properties": {"loginServer": format!("reg{i}.azurecr.io")}
            }))
            .expect("registry")
        })
        .collect();
    update(
        &mut s,
        Action::RegistriesLoaded {
            page: acrdeck::app::Page::whole(0),
            registries,
            error: None,
        },
    );
    for r in 0..8 {
        let ls = format!("reg{r}.azurecr.io");
        let runs: Vec<acrdeck::acr::model::Run> = (0..50)
            .map(|i| {
                let created = now - chrono::Duration::minutes(i * 7 + r);
                let running = i < 2;
                serde_json::from_value(serde_json::json!({"name": format!("c{r}{i}"), "properties": {
                    "runId": format!("c{r}{i}"), "task": format!("build-app-{}", i % 5),
                    "status": if running { "Running" } else { "Succeeded" },
                    "createTime": created.to_rfc3339(), "startTime": created.to_rfc3339(),
                    "finishTime": (!running).then(|| (created + chrono::Duration::minutes(3)).to_rfc3339()),
                    "trigger": "manual",
                    "outputImages": [{"repository": format!("apps/app{}", i % 5), "tag": format!("1.{i}.0"),
                        "digest": format!("sha256:{}", hex::encode(<sha2::Sha256 as sha2::Digest>::digest((r * 100 + i).to_le_bytes())))}]}}))
                .expect("run")
            })
            .collect();
        let generation = s.runs.get(&ls).map_or(0, |l| l.generation);
        update(
            &mut s,
            Action::RunsLoaded {
                login_server: ls,
                page: acrdeck::app::Page::whole(generation),
                runs,
                error: None,
            },
        );
    }
    s.pane = Pane::Rollout;
    // Pin four running runs: their tiles fill with lines.
    for row in 0..4 {
        s.table_mut(Pane::Rollout).cursor = row;
        update(
            &mut s,
            Action::Key(crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Char('p'),
                crossterm::event::KeyModifiers::NONE,
            )),
        );
    }
    for tile in &mut s.panes.rollout.tiles {
        tile.push(
            (0..2_000)
                .map(|i| format!("Step {i}: building layer {i} of the image"))
                .collect(),
            now,
        );
    }
    s.sync_rows();
    s
}

fn bench_rollout(c: &mut Criterion) {
    let state = rollout_state();
    assert_eq!(state.panes.rollout.rows.len(), 400, "8 registries x 50 runs");
    assert_eq!(state.panes.rollout.tiles.len(), 4, "four tiles");
    let theme = Theme::default_theme();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    c.bench_function(
        "render the rollout view, 8 registries x 50 runs, 4 tiles, at 200x60",
        |b| {
            b.iter(|| {
                terminal
                    .draw(|f| ui::draw(black_box(&state), &theme, f))
                    .map(|_| ())
                    .expect("draw")
            })
        },
    );
}

criterion_group!(benches, bench, bench_rollout);
criterion_main!(benches);
