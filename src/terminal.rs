//! Owning the terminal: raw mode and the alternate screen on the way in, and a restore that runs
//! on every way out (normal exit, error, signal, panic). The restore is idempotent so that the
//! panic hook and the normal path can both call it.

use crossterm::{
    cursor, execute,
    terminal::{self, EnterAlternateScreen, LeaveAlternateScreen},
};
use ratatui::{Terminal, backend::CrosstermBackend};
use std::io::{self, Stdout, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Puts the terminal into raw mode on the alternate screen and returns a ratatui terminal.
pub fn enter() -> io::Result<Tui> {
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut stdout = io::stdout();
    if let Err(e) = execute!(stdout, EnterAlternateScreen, cursor::Hide) {
        restore();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(stdout)).inspect_err(|_| restore())
}

/// Leaves the alternate screen, shows the cursor and turns raw mode off. Safe to call any number
/// of times and from a panic hook.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut stdout = io::stdout();
        // Best effort: on the way out there is nobody left to report a failure to.
        let _ = execute!(
            stdout,
            crossterm::terminal::EndSynchronizedUpdate,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = terminal::disable_raw_mode();
        let _ = stdout.flush();
    }
}

/// Flushes the diagnostics log before the process dies of a panic; set by `main`.
pub static FLUSH_ON_PANIC: Mutex<Option<Box<dyn FnOnce() + Send>>> = Mutex::new(None);

/// Installs a panic hook that restores the terminal first (so the report is readable), then
/// reports the panic and where the diagnostics log is, flushes the log and exits. Exiting here,
/// rather than unwinding, also covers panics in background tasks, which would otherwise leave the
/// dashboard running on a restored, cooked terminal.
pub fn install_panic_hook(log_dir: Option<PathBuf>) {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let was_active = ACTIVE.load(Ordering::SeqCst);
        restore();
        // The backtrace goes to the log: the terminal may be gone, and the report needs it.
        let backtrace = std::backtrace::Backtrace::force_capture();
        tracing::error!(panic = %info, %backtrace, "acrdeck panicked");
        if let Ok(mut slot) = FLUSH_ON_PANIC.lock()
            && let Some(flush) = slot.take()
        {
            flush();
        }
        default_hook(info);
        let where_ = log_dir
            .as_ref()
            .map(|d| format!(" The diagnostics log is in {}.", d.display()))
            .unwrap_or_default();
        // Not eprintln!: with the terminal gone it would panic inside the panic hook.
        let _ = writeln!(
            std::io::stderr().lock(),
            "acrdeck stopped because of an internal error (a bug). The terminal has been restored.{where_} Please report the message above with that log."
        );
        if was_active {
            std::process::exit(101);
        }
    }));
}
