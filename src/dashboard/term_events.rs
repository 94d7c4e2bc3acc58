//! Terminal events (keys, resizes) read on a thread of their own and handed to the loop.
//!
//! crossterm's reader retries its read of the terminal for as long as it returns nothing or an
//! error, so on a terminal that has hung up (SSH dropped, tmux killed) a read never returns.
//! Read on the loop's own thread, as crossterm's `EventStream` does, that held up the loop and
//! with it the SIGHUP that should end the dashboard. Here the loop never waits on crossterm: a
//! hangup seen on standard input ends the reader first, and a read caught by one can only stall
//! this thread until the loop, ended by the signal, exits the process.

use crossterm::event::Event;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long the reader waits for an event before looking for a hangup or a closed loop.
const SLICE: Duration = Duration::from_millis(100);

/// Starts the reader. Each item is an event, or the error that ended the reader; the channel
/// closes when the reader ends.
pub fn spawn() -> std::io::Result<mpsc::Receiver<std::io::Result<Event>>> {
    let (tx, rx) = mpsc::channel(256);
    std::thread::Builder::new()
        .name("terminal-events".into())
        .spawn(move || read(&tx))?;
    Ok(rx)
}

fn read(tx: &mpsc::Sender<std::io::Result<Event>>) {
    while !tx.is_closed() {
        if let Some(gone) = hung_up() {
            let _ = tx.blocking_send(Err(gone));
            return;
        }
        let next = match crossterm::event::poll(SLICE) {
            Ok(false) => continue,
            Ok(true) => crossterm::event::read(),
            Err(e) => Err(e),
        };
        let failed = next.is_err();
        if tx.blocking_send(next).is_err() || failed {
            return;
        }
    }
}

/// The terminal on standard input has hung up (or is no longer valid): what crossterm would
/// read forever.
#[cfg(unix)]
fn hung_up() -> Option<std::io::Error> {
    let mut pfd = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd on the stack, no timeout.
    let ready = unsafe { libc::poll(&mut pfd, 1, 0) };
    let gone = ready > 0 && pfd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0;
    gone.then(|| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the terminal hung up"))
}

#[cfg(not(unix))]
fn hung_up() -> Option<std::io::Error> {
    None
}
