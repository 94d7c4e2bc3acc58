//! ARCHITECTURE.md's "Add a pane" recipe, followed for a small pane that lives only in this
//! test: the registries counted by Azure region. Its state is a `Table` and its rows (step 1),
//! its `/` filter goes through the same query grammar as every pane, and it draws with the
//! shared widgets (step 3). If a building block the recipe names stops being usable from
//! outside `app` and `ui`, this stops compiling.

use acrdeck::app::table::{Table, keep};
use acrdeck::app::{Action, Environment, Nav, State, update};
use acrdeck::keys::Keymap;
use acrdeck::query::Query;
use acrdeck::ui::Theme;
use acrdeck::ui::widgets::{block, table, window};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Constraint;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};

/// Step 1: the pane's state: its table (cursor, filter) and its rows.
#[derive(Default)]
struct RegionsPane {
    table: Table,
    /// (region, registries in it), by region.
    rows: Vec<(String, usize)>,
}

impl RegionsPane {
    /// How the registries listing changes it: the shared list is read, not copied per pane.
    fn registries_loaded(&mut self, state: &State) {
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        for r in state.registries.value.iter().flatten() {
            *counts.entry(r.registry.location.clone()).or_default() += 1;
        }
        self.rows = counts.into_iter().collect();
        self.table.touch();
    }

    /// The rows a `/` query keeps, worked out once per change as every pane's are.
    fn sync(&mut self, state: &State) {
        let key = self.table.key(&Nav::default());
        if self.table.is_current(&key) {
            return;
        }
        let query = Query::parse_at(&self.table.filter, state.now).unwrap_or_default();
        let rows = &self.rows;
        let shown = keep(&query, rows.len(), &|i| {
            (rows[i].0.clone(), vec![("region", rows[i].0.clone())])
        });
        self.table.clamp(shown.len());
        self.table.set_shown(key, shown);
    }

    fn shown(&self) -> &[usize] {
        self.table.shown(&self.table.key(&Nav::default())).unwrap_or(&[])
    }
}

/// Step 3: drawing it with the shared widgets, only the rows that fit.
fn draw(pane: &RegionsPane, theme: &Theme, frame: &mut ratatui::Frame) {
    let area = frame.area();
    let b = block(Line::from(format!(" Regions ({}) ", pane.rows.len())), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let shown = pane.shown();
    let (start, end) = window(shown.len(), pane.table.cursor, inner.height.saturating_sub(1) as usize);
    let rows: Vec<Row<'static>> = shown[start..end]
        .iter()
        .map(|&i| {
            let (region, n) = &pane.rows[i];
            Row::new(vec![Cell::from(region.clone()), Cell::from(n.to_string())])
        })
        .collect();
    let selected = Some(pane.table.cursor.saturating_sub(start));
    frame.render_widget(
        table(
            &["REGION", "REGISTRIES"],
            vec![Constraint::Min(12), Constraint::Length(10)],
            rows,
            selected,
            theme,
        ),
        inner,
    );
}

fn registry(name: &str, location: &str) -> acrdeck::acr::model::Registry {
    serde_json::from_value(serde_json::json!({
        "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/{name}"),
        "name": name, "location": location, "sku": {"name": "Premium"},
        "properties": {"loginServer": format!("{name}.azurecr.io")}
    }))
    .expect("a registry")
}

fn screen(pane: &RegionsPane) -> String {
    let mut terminal = Terminal::new(TestBackend::new(40, 8)).expect("test terminal");
    terminal.draw(|f| draw(pane, &Theme::monochrome(), f)).expect("draw");
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_pane_built_by_the_recipe_lists_filters_and_draws() {
    let mut state = State::new(
        Environment {
            name: "test".into(),
            detail: "recipe".into(),
        },
        Keymap::default(),
        false,
    );
    update(
        &mut state,
        Action::RegistriesLoaded {
            page: acrdeck::app::Page::whole(0),
            registries: vec![
                registry("contosodev", "westeurope"),
                registry("contosostaging", "westeurope"),
                registry("contosoprod", "northeurope"),
            ],
            error: None,
        },
    );
    let mut pane = RegionsPane::default();
    pane.registries_loaded(&state);
    pane.sync(&state);
    let all = screen(&pane);
    assert!(all.contains("Regions (2)"), "{all}");
    assert!(all.contains("northeurope") && all.contains("westeurope"), "{all}");
    assert!(
        all.lines().any(|l| l.contains("westeurope") && l.contains('2')),
        "{all}"
    );

    // The same query grammar as every pane: a column term.
    pane.table.filter = "region:north".into();
    pane.sync(&state);
    let filtered = screen(&pane);
    assert!(filtered.contains("northeurope"), "{filtered}");
    assert!(!filtered.contains("westeurope"), "{filtered}");
}
