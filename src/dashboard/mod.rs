//! The event loop: terminal events, signals and job results become [`Action`]s; [`update`] turns
//! them into state changes and [`Effect`]s; the screen is redrawn only when something changed, at
//! most once per frame interval, inside synchronized output so terminals never show half a frame.
//! With nothing happening the loop sleeps in `select!`: no timers, no busy redraws.

pub mod start;
mod term_events;

use crate::app::{Action, Effect, ExitSignal, State, update};
use crate::cache_keeper::Keeper;
use crate::runner::Runner;
use crate::terminal::Tui;
use crate::ui::Theme;
use crossterm::event::Event;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The shortest time between two frames (~60 per second).
const FRAME: Duration = Duration::from_millis(16);

pub struct RunOptions {
    /// Test builds only: panic this long after the first frame, to prove the panic path
    /// restores the terminal.
    pub panic_after: Option<Duration>,
}

/// Runs the dashboard until an [`Effect::Exit`]; returns the process exit code.
pub async fn run(
    mut state: State,
    theme: &Theme,
    tui: &mut Tui,
    mut signals: Signals,
    backend: Backend,
    options: RunOptions,
) -> std::io::Result<i32> {
    let (action_tx, mut actions) = mpsc::unbounded_channel::<Action>();
    let mut runner = Runner::new(
        backend.acr,
        backend.subscriptions,
        backend.saved_logs,
        backend.imports,
        action_tx.clone(),
    );
    let self_tx = action_tx.clone();
    let mut events = term_events::spawn()?;
    // The last session's listings paint the first frame; fresh reads replace them as they land.
    let mut keeper = backend.cache.map(Keeper::new);
    if let Some(registries) = keeper.as_mut().and_then(Keeper::load_head) {
        update(&mut state, Action::CacheRestored(Box::new(registries)));
    }
    for effect in crate::app::startup(&mut state) {
        runner.run(effect);
    }
    let mut next_tick = Instant::now() + tick_period(&state);

    // The terminal can go away at any moment, the first frame included (a hangup just after
    // the first bytes of it were written): that is a hangup, handled as the first action.
    let first_frame = tui.size().and_then(|size| {
        state.size = (size.width, size.height);
        draw(tui, &state, theme)
    });
    if let Err(e) = first_frame {
        let _ = self_tx.send(terminal_gone(e));
    }
    if let Some(k) = keeper.as_mut() {
        k.restore_rest(action_tx.clone());
    }
    let mut last_draw = Instant::now();
    let mut dirty = false;
    let panic_at = options.panic_after.map(|d| Instant::now() + d);

    loop {
        // Sleep until the next frame is allowed only when there is something to draw.
        let next_frame = dirty.then(|| last_draw + FRAME);
        let action = tokio::select! {
            event = events.recv() => match event {
                Some(Ok(Event::Key(key))) => Some(Action::Key(key)),
                Some(Ok(Event::Resize(cols, rows))) => Some(Action::Resize(cols, rows)),
                Some(Ok(_)) => None,
                Some(Err(e)) => Some(terminal_gone(e)),
                None => Some(Action::Signal(ExitSignal::Hangup)),
            },
            Some(action) = actions.recv() => Some(action),
            signal = signals.recv() => Some(Action::Signal(signal)),
            _ = sleep_until_opt(next_frame) => {
                last_draw = Instant::now();
                dirty = false;
                draw(tui, &state, theme).err().map(terminal_gone)
            }
            _ = tokio::time::sleep_until(next_tick) => {
                next_tick = Instant::now() + tick_period(&state);
                Some(Action::Tick(chrono::Utc::now()))
            }
            _ = sleep_until_opt(keeper.as_ref().and_then(Keeper::due)) => {
                if let Some(k) = keeper.as_mut() {
                    k.save_later(&state);
                }
                None
            }
            _ = sleep_until_opt(panic_at) => {
                panic!("forced panic requested by --debug-panic-after");
            }
        };
        if let Some(action) = action {
            state.now = chrono::Utc::now();
            if let Some(k) = keeper.as_mut() {
                k.saw(&action);
            }
            for effect in update(&mut state, action) {
                match effect {
                    Effect::Exit(code) => {
                        if let Some(k) = keeper.as_mut() {
                            k.save_now(&state).await;
                        }
                        return Ok(code);
                    }
                    Effect::Copy(text) => {
                        if let Err(e) = copy_to_clipboard(tui, &text) {
                            // Handled as the next action: the way out is the same.
                            let _ = self_tx.send(terminal_gone(e));
                        }
                    }
                    Effect::Notify { bell, desktop } => {
                        if let Err(e) = notify(tui, bell, desktop.as_ref()) {
                            let _ = self_tx.send(terminal_gone(e));
                        }
                    }
                    other => runner.run(other),
                }
            }
            // A run that just became active needs its duration to tick from now on.
            next_tick = next_tick.min(Instant::now() + tick_period(&state));
            dirty = true;
        }
    }
}

/// The terminal cannot be read or written any more (SSH dropped, tmux killed): the kernel's
/// SIGHUP and the failed read or write race, and either way it is a hangup, ended as one (the
/// cache is written on the way out).
fn terminal_gone(e: std::io::Error) -> Action {
    tracing::warn!("the terminal cannot be used any more ({e}): ending as on a hangup");
    Action::Signal(ExitSignal::Hangup)
}

/// What the dashboard talks to.
pub struct Backend {
    pub acr: Result<crate::acr::Acr, String>,
    /// Subscriptions to list; empty: all the identity sees.
    pub subscriptions: Vec<String>,
    /// Where `save log` writes run logs.
    pub saved_logs: std::path::PathBuf,
    /// images.txt files, the config, the audit trail.
    pub imports: crate::runner::ImportsSetup,
    /// Where this environment's listings are kept between sessions (none for the demo, whose
    /// world is new at every start).
    pub cache: Option<crate::cache::Cache>,
}

/// The most OSC 52 carries: terminals drop larger payloads (xterm's default limit is about
/// 100 kB of base64).
const CLIPBOARD_LIMIT: usize = 64 * 1024;

/// Puts text on the clipboard of the terminal the operator sits at, with OSC 52: the escape
/// travels through SSH (and through tmux with `set -g set-clipboard on`) to the local terminal.
fn copy_to_clipboard(tui: &mut Tui, text: &str) -> std::io::Result<()> {
    use base64::Engine;
    use std::io::Write;
    let mut end = text.len().min(CLIPBOARD_LIMIT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&text.as_bytes()[..end]);
    let backend = tui.backend_mut();
    write!(backend, "\x1b]52;c;{encoded}\x07")?;
    backend.flush()
}

/// Tells the operator through the terminal: the bell, and a desktop notification as OSC 9
/// (iTerm2, WezTerm, Windows Terminal, foot…) and OSC 777 (kitty, urxvt, VTE terminals); a
/// terminal that knows neither ignores them. The text is service text: made inert first, and
/// without the `;` that would end OSC 777's title.
fn notify(tui: &mut Tui, bell: bool, desktop: Option<&(String, String)>) -> std::io::Result<()> {
    use std::io::Write;
    let backend = tui.backend_mut();
    if let Some((title, body)) = desktop {
        let clean = |s: &str| crate::text::printable(s).replace(';', ",");
        let (title, body) = (clean(title), clean(body));
        write!(backend, "\x1b]9;{body}\x07")?;
        write!(backend, "\x1b]777;notify;{title};{body}\x07")?;
    }
    if bell {
        write!(backend, "\x07")?;
    }
    backend.flush()
}

/// Ages on screen move on: every second while a run's duration ticks, else twice a minute.
fn tick_period(state: &State) -> Duration {
    let running = state
        .runs
        .values()
        .filter_map(|l| l.value.as_ref())
        .flatten()
        .any(|r| r.status().is_active());
    if running {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(30)
    }
}

fn draw(tui: &mut Tui, state: &State, theme: &Theme) -> std::io::Result<()> {
    crossterm::execute!(tui.backend_mut(), crossterm::terminal::BeginSynchronizedUpdate)?;
    let result = tui.draw(|frame| crate::ui::draw(state, theme, frame)).map(|_| ());
    crossterm::execute!(tui.backend_mut(), crossterm::terminal::EndSynchronizedUpdate)?;
    result
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// The signals that end the dashboard. Ctrl-C in raw mode arrives as a key, not SIGINT, but a
/// `kill -INT` from another shell still needs handling.
pub struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    async fn recv(&mut self) -> ExitSignal {
        tokio::select! {
            _ = self.term.recv() => ExitSignal::Terminate,
            _ = self.int.recv() => ExitSignal::Interrupt,
            _ = self.hup.recv() => ExitSignal::Hangup,
        }
    }
}
