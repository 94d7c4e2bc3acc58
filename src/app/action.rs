use super::JobId;
use crossterm::event::KeyEvent;

/// Everything that can happen to the dashboard.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key press from the terminal.
    Key(KeyEvent),
    /// The terminal was resized to (columns, rows).
    Resize(u16, u16),
    /// The process was asked to stop (SIGTERM, SIGINT, SIGHUP): leave at once, restoring the
    /// terminal on the way out.
    Signal(ExitSignal),
    /// A background job ended; its results arrive as their own actions before this one.
    JobFinished(JobId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitSignal {
    Terminate,
    Interrupt,
    Hangup,
}

impl ExitSignal {
    /// The conventional shell exit status for death by this signal (128 + signal number).
    pub fn exit_code(self) -> i32 {
        match self {
            ExitSignal::Hangup => 129,
            ExitSignal::Interrupt => 130,
            ExitSignal::Terminate => 143,
        }
    }
}
