//! Rendering and filtering at scale: one frame of a 100,000-row tags table at 200x60, and the `/`
//! filter over the same 100,000 rows. Targets: a frame under 2 ms, a filter under 5 ms.
//! Run: `cargo bench --bench dashboard`.

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

criterion_group!(benches, bench);
criterion_main!(benches);
