//! Key bindings: the commands a key can trigger, their default keys, and parsing of key names as
//! written in the config file (`"q"`, `"ctrl-c"`, `"shift-tab"`, `"f1"`, `"G"`).
//!
//! Navigation keys and mutating keys are kept apart on purpose: no mutating command is bound by
//! default to a key that is, or sits next to, a navigation key.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

/// Something a key can ask for. The names are the ones used in `[keys]` of the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Command {
    Quit,
    ForceQuit,
    Help,
    NextPane,
    PrevPane,
    Pane(usize),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Back,
    /// Drill down into the selected row.
    Open,
    /// Re-read what the pane shows now.
    Refresh,
    /// Follow the end of an open log again.
    Follow,
    /// Runs: move to the tasks list / back to the runs.
    Left,
    Right,
    /// Tags, repositories, locks: lock or unlock what is selected (asks first). Away from
    /// navigation keys.
    Lock,
    /// Tags: lock or unlock the selected tag's manifest (digest) (asks first).
    LockDigest,
    /// Runs: cancel the selected run (asks first).
    CancelRun,
    /// Runs: queue a run of the selected task (asks first).
    ScheduleRun,
    /// Filter the table (or search the log): words, key:value, re:PATTERN.
    Filter,
    /// Tags: sort by the next column; reverse the sort.
    Sort,
    SortReverse,
    /// The `:` command line.
    CommandLine,
    /// Log: next / previous search match.
    NextMatch,
    PrevMatch,
    /// Log: wrap long lines on/off.
    Wrap,
    /// Log: line numbers, receive times, nothing.
    Gutter,
    /// Log: copy the found line or the lines on screen (OSC 52).
    Copy,
    /// Log: save the whole log to a file.
    SaveLog,
    /// Log: show the next / previous open log.
    NextLog,
    PrevLog,
    /// Log: close the log shown (stop following it).
    CloseLog,
    /// Imports, Promotions: select or unselect the row under the cursor.
    Select,
    /// Imports: select every line shown, or clear the selection.
    SelectAll,
    /// Imports: approve the selected lines (asks first, with a note).
    Approve,
    /// Promotions: promote the selected tags from the cursor's stage to the next (asks first).
    Promote,
    /// Rollout: pin the run under the cursor to a log tile (watched), or unpin it.
    Pin,
    /// Webhooks: send a ping to the selected webhook (asks first).
    Ping,
    /// Requests: reject the selected promotion request (asks first, with a note).
    Reject,
}

impl Command {
    /// Whether the command changes something in a registry. Such keys are kept away from
    /// navigation keys (see the test below).
    pub fn is_mutating(self) -> bool {
        matches!(
            self,
            Command::Lock
                | Command::LockDigest
                | Command::CancelRun
                | Command::ScheduleRun
                | Command::Approve
                | Command::Promote
                | Command::Ping
                | Command::Reject
        )
    }

    /// Whether the command moves around (a slip of the finger on these must never change anything).
    pub fn is_navigation(self) -> bool {
        matches!(
            self,
            Command::Quit
                | Command::NextPane
                | Command::PrevPane
                | Command::Pane(_)
                | Command::Up
                | Command::Down
                | Command::PageUp
                | Command::PageDown
                | Command::Top
                | Command::Bottom
                | Command::Back
                | Command::Open
                | Command::Follow
                | Command::Left
                | Command::Right
                | Command::NextMatch
                | Command::PrevMatch
                | Command::NextLog
                | Command::PrevLog
        )
    }
}

/// A command's config name, what the help overlay says about it, and its default keys.
pub struct CommandInfo {
    pub name: &'static str,
    pub command: Command,
    pub help: &'static str,
    pub defaults: &'static [&'static str],
}

pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "quit",
        command: Command::Quit,
        help: "quit (asks first while work is in flight)",
        defaults: &["q"],
    },
    CommandInfo {
        name: "force_quit",
        command: Command::ForceQuit,
        help: "quit at once",
        defaults: &["ctrl-c"],
    },
    CommandInfo {
        name: "help",
        command: Command::Help,
        help: "show or hide this help",
        defaults: &["?"],
    },
    CommandInfo {
        name: "next_pane",
        command: Command::NextPane,
        help: "next pane",
        defaults: &["tab"],
    },
    CommandInfo {
        name: "prev_pane",
        command: Command::PrevPane,
        help: "previous pane",
        defaults: &["shift-tab"],
    },
    CommandInfo {
        name: "pane_1",
        command: Command::Pane(0),
        help: "Registries pane",
        defaults: &["1"],
    },
    CommandInfo {
        name: "pane_2",
        command: Command::Pane(1),
        help: "Repositories pane",
        defaults: &["2"],
    },
    CommandInfo {
        name: "pane_3",
        command: Command::Pane(2),
        help: "Tags pane",
        defaults: &["3"],
    },
    CommandInfo {
        name: "pane_4",
        command: Command::Pane(3),
        help: "Locks pane",
        defaults: &["4"],
    },
    CommandInfo {
        name: "pane_5",
        command: Command::Pane(4),
        help: "Cache rules pane",
        defaults: &["5"],
    },
    CommandInfo {
        name: "pane_6",
        command: Command::Pane(5),
        help: "Runs pane",
        defaults: &["6"],
    },
    CommandInfo {
        name: "pane_7",
        command: Command::Pane(6),
        help: "Imports pane",
        defaults: &["7"],
    },
    CommandInfo {
        name: "pane_8",
        command: Command::Pane(7),
        help: "Promotions pane",
        defaults: &["8"],
    },
    CommandInfo {
        name: "pane_9",
        command: Command::Pane(8),
        help: "Audit pane",
        defaults: &["9"],
    },
    CommandInfo {
        name: "pane_0",
        command: Command::Pane(9),
        help: "Rollout view (every registry's runs by stage)",
        defaults: &["0"],
    },
    CommandInfo {
        name: "pin",
        command: Command::Pin,
        help: "rollout: pin the run to a log tile (watched) or unpin it",
        defaults: &["p"],
    },
    CommandInfo {
        name: "up",
        command: Command::Up,
        help: "move up",
        defaults: &["up", "k"],
    },
    CommandInfo {
        name: "down",
        command: Command::Down,
        help: "move down",
        defaults: &["down", "j"],
    },
    CommandInfo {
        name: "page_up",
        command: Command::PageUp,
        help: "page up",
        defaults: &["pageup", "ctrl-b"],
    },
    CommandInfo {
        name: "page_down",
        command: Command::PageDown,
        help: "page down",
        defaults: &["pagedown", "ctrl-f"],
    },
    CommandInfo {
        name: "top",
        command: Command::Top,
        help: "first row",
        defaults: &["home", "g"],
    },
    CommandInfo {
        name: "bottom",
        command: Command::Bottom,
        help: "last row",
        defaults: &["end", "G"],
    },
    CommandInfo {
        name: "back",
        command: Command::Back,
        help: "close the overlay, go back",
        defaults: &["esc"],
    },
    CommandInfo {
        name: "open",
        command: Command::Open,
        help: "open the selected row",
        defaults: &["enter"],
    },
    CommandInfo {
        name: "refresh",
        command: Command::Refresh,
        help: "re-read this pane now",
        defaults: &["ctrl-r"],
    },
    CommandInfo {
        name: "follow",
        command: Command::Follow,
        help: "log: follow the end again (end works too)",
        defaults: &["F"],
    },
    CommandInfo {
        name: "left",
        command: Command::Left,
        help: "runs: to the tasks list",
        defaults: &["left", "h"],
    },
    CommandInfo {
        name: "right",
        command: Command::Right,
        help: "runs: back to the runs",
        defaults: &["right", "l"],
    },
    CommandInfo {
        name: "command_line",
        command: Command::CommandLine,
        help: "command line: :runs, :tags prod/app, :registry uat",
        defaults: &[":"],
    },
    CommandInfo {
        name: "filter",
        command: Command::Filter,
        help: "filter (log: search): words, key:value, re:regex",
        defaults: &["/"],
    },
    CommandInfo {
        name: "sort",
        command: Command::Sort,
        help: "tags: sort by tag, created, updated, size, as listed",
        defaults: &["s"],
    },
    CommandInfo {
        name: "sort_reverse",
        command: Command::SortReverse,
        help: "tags: reverse the sort",
        defaults: &["S"],
    },
    CommandInfo {
        name: "lock",
        command: Command::Lock,
        help: "lock/unlock tag, repository or lock row (asks first)",
        defaults: &["x"],
    },
    CommandInfo {
        name: "lock_digest",
        command: Command::LockDigest,
        help: "tags: lock/unlock the digest, all its tags (asks first)",
        defaults: &["X"],
    },
    CommandInfo {
        name: "cancel_run",
        command: Command::CancelRun,
        help: "runs: cancel the run (asks first)",
        defaults: &["ctrl-x"],
    },
    CommandInfo {
        name: "schedule_run",
        command: Command::ScheduleRun,
        help: "runs: run the selected task now (asks first)",
        defaults: &["ctrl-e"],
    },
    CommandInfo {
        name: "next_match",
        command: Command::NextMatch,
        help: "log: next match of the search",
        defaults: &["n"],
    },
    CommandInfo {
        name: "prev_match",
        command: Command::PrevMatch,
        help: "log: previous match",
        defaults: &["N"],
    },
    CommandInfo {
        name: "wrap",
        command: Command::Wrap,
        help: "log: wrap long lines on / off",
        defaults: &["w"],
    },
    CommandInfo {
        name: "gutter",
        command: Command::Gutter,
        help: "log: line numbers, then receive times, then neither",
        defaults: &["#"],
    },
    CommandInfo {
        name: "copy",
        command: Command::Copy,
        help: "log: copy found line or screen (OSC 52, over SSH too)",
        defaults: &["y"],
    },
    CommandInfo {
        name: "save_log",
        command: Command::SaveLog,
        help: "log: save the whole log to a file",
        defaults: &["ctrl-o"],
    },
    CommandInfo {
        name: "next_log",
        command: Command::NextLog,
        help: "log: next open log (runs: show the open logs)",
        defaults: &["]"],
    },
    CommandInfo {
        name: "prev_log",
        command: Command::PrevLog,
        help: "log: previous open log",
        defaults: &["["],
    },
    CommandInfo {
        name: "close_log",
        command: Command::CloseLog,
        help: "log: close it (esc keeps it open and following)",
        defaults: &["ctrl-w"],
    },
    CommandInfo {
        name: "select",
        command: Command::Select,
        help: "imports: select or unselect the line",
        defaults: &["space"],
    },
    CommandInfo {
        name: "select_all",
        command: Command::SelectAll,
        help: "imports: select every line shown, or clear the selection",
        defaults: &["*"],
    },
    CommandInfo {
        name: "approve",
        command: Command::Approve,
        help: "imports: approve the lines; requests: approve the request (asks first, with a note)",
        defaults: &["ctrl-y"],
    },
    CommandInfo {
        name: "promote",
        command: Command::Promote,
        help: "promotions: promote the tags (or ask for it); requests: run the approved one",
        defaults: &["ctrl-p"],
    },
    CommandInfo {
        name: "ping_webhook",
        command: Command::Ping,
        help: "webhooks: ping the webhook, its event read back (asks first)",
        defaults: &["ctrl-k"],
    },
    CommandInfo {
        name: "reject",
        command: Command::Reject,
        help: "requests: reject the promotion request (asks first, with a note)",
        defaults: &["ctrl-u"],
    },
];

/// One key with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    /// Parses `ctrl-c`, `alt-x`, `shift-tab`, `f5`, `pagedown`, `?`, `G` ...
    ///
    /// ```
    /// use acrdeck::keys::KeyChord;
    /// let chord = KeyChord::parse("ctrl-f").unwrap();
    /// assert_eq!(chord.to_string(), "ctrl-f");
    /// assert!(KeyChord::parse("ctrl-").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<KeyChord, String> {
        let bad = |why: &str| Err(format!("`{text}` is not a key name: {why}"));
        if text.is_empty() {
            return bad("it is empty");
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        // A lone "-" is the minus key; otherwise "-" separates modifiers.
        while let Some((prefix, tail)) = rest.split_once('-') {
            if tail.is_empty() {
                if prefix.is_empty() {
                    break;
                }
                return bad("a modifier must be followed by a key");
            }
            match prefix.to_ascii_lowercase().as_str() {
                "ctrl" | "c" => modifiers |= KeyModifiers::CONTROL,
                "alt" | "m" => modifiers |= KeyModifiers::ALT,
                "shift" | "s" => modifiers |= KeyModifiers::SHIFT,
                _ => return bad("modifiers are ctrl-, alt- and shift-"),
            }
            rest = tail;
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "tab" if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "esc" | "escape" => KeyCode::Esc,
            "enter" | "return" => KeyCode::Enter,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].chars().all(|c| c.is_ascii_digit()) => {
                match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCode::F(n),
                    _ => return bad("function keys are f1 to f12"),
                }
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => {
                        return bad(
                            "use one character or a named key such as tab, esc, enter, space, up, pagedown, f1",
                        );
                    }
                }
            }
        };
        Ok(KeyChord { code, modifiers })
    }

    /// Whether a terminal key event is this chord. Shift is implied by the character itself
    /// (`G`, `?`), so it is ignored for characters.
    pub fn matches(&self, event: &KeyEvent) -> bool {
        if event.kind == KeyEventKind::Release {
            return false;
        }
        match (self.code, event.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => {
                let strip = |m: KeyModifiers| m - KeyModifiers::SHIFT;
                let same_char = if self.modifiers.contains(KeyModifiers::CONTROL) {
                    a.eq_ignore_ascii_case(&b)
                } else {
                    a == b
                };
                same_char && strip(self.modifiers) == strip(event.modifiers)
            }
            (a, b) => {
                // Terminals report shift-tab as BackTab *with* SHIFT set.
                let event_mods = if b == KeyCode::BackTab {
                    event.modifiers - KeyModifiers::SHIFT
                } else {
                    event.modifiers
                };
                a == b && self.modifiers == event_mods
            }
        }
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One key (`"q"`) or several (`["q", "ctrl-q"]`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    pub fn keys(&self) -> Vec<&str> {
        match self {
            KeyList::One(k) => vec![k.as_str()],
            KeyList::Many(ks) => ks.iter().map(String::as_str).collect(),
        }
    }
}

/// The effective bindings: defaults with the config's `[keys]` entries replacing a command's keys.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: BTreeMap<&'static str, Vec<KeyChord>>,
}

impl Keymap {
    /// Builds the map. The config has been validated already, so unparseable keys cannot occur;
    /// should one slip through it is skipped rather than panicking.
    pub fn new(overrides: &BTreeMap<String, toml::Spanned<KeyList>>) -> Keymap {
        let mut bindings = BTreeMap::new();
        for info in COMMANDS {
            let keys = match overrides.get(info.name) {
                Some(list) => list
                    .get_ref()
                    .keys()
                    .iter()
                    .filter_map(|k| KeyChord::parse(k).ok())
                    .collect(),
                None => info.defaults.iter().filter_map(|k| KeyChord::parse(k).ok()).collect(),
            };
            bindings.insert(info.name, keys);
        }
        Keymap { bindings }
    }

    /// The command bound to a key event, if any.
    pub fn command_for(&self, event: &KeyEvent) -> Option<Command> {
        COMMANDS.iter().find_map(|info| {
            self.bindings
                .get(info.name)
                .is_some_and(|keys| keys.iter().any(|k| k.matches(event)))
                .then_some(info.command)
        })
    }

    /// The keys bound to a command, for hints and the help overlay.
    pub fn keys_for(&self, command: Command) -> Vec<KeyChord> {
        COMMANDS
            .iter()
            .find(|i| i.command == command)
            .and_then(|i| self.bindings.get(i.name))
            .cloned()
            .unwrap_or_default()
    }

    /// The first key bound to a command, displayed (`"?"`), or `"unbound"`.
    pub fn label(&self, command: Command) -> String {
        self.keys_for(command)
            .first()
            .map(ToString::to_string)
            .unwrap_or_else(|| "unbound".into())
    }
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::new(&BTreeMap::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn parses_and_displays_round_trip() {
        for name in [
            "q",
            "ctrl-c",
            "shift-tab",
            "f5",
            "pagedown",
            "?",
            "G",
            "alt-x",
            "-",
            "space",
            "esc",
        ] {
            let chord = KeyChord::parse(name).expect(name);
            assert_eq!(chord.to_string(), name);
        }
        assert!(KeyChord::parse("ctrl-").is_err());
        assert!(KeyChord::parse("hyper-x").is_err());
        assert!(KeyChord::parse("f13").is_err());
        assert!(KeyChord::parse("qq").is_err());
    }

    #[test]
    fn characters_ignore_the_shift_that_makes_them() {
        let g = KeyChord::parse("G").unwrap();
        assert!(g.matches(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)));
        assert!(!g.matches(&ev(KeyCode::Char('g'), KeyModifiers::NONE)));
        let ctrl_c = KeyChord::parse("ctrl-c").unwrap();
        assert!(ctrl_c.matches(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)));
        assert!(!ctrl_c.matches(&ev(KeyCode::Char('c'), KeyModifiers::NONE)));
    }

    #[test]
    fn config_replaces_a_commands_keys() {
        let overrides = toml::from_str::<KeysDoc>("[keys]\nquit = [\"x\", \"ctrl-q\"]")
            .expect("valid keys table")
            .keys;
        let map = Keymap::new(&overrides);
        assert_eq!(
            map.command_for(&ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Command::Quit)
        );
        assert_eq!(map.command_for(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert_eq!(map.label(Command::Quit), "x");
        assert_eq!(map.label(Command::Help), "?");
    }

    /// QWERTY neighbours of each key, for the rule that a mutating key is never a navigation
    /// key nor next to one.
    fn neighbours(c: char) -> &'static str {
        match c {
            '1' => "2q",
            '2' => "13qw",
            '3' => "24we",
            '4' => "35er",
            '5' => "46rt",
            '6' => "57ty",
            '7' => "68yu",
            '8' => "79ui",
            '9' => "80io",
            '0' => "9op",
            'q' => "w12a",
            'w' => "qe23as",
            'e' => "wr34sd",
            'r' => "et45df",
            't' => "ry56fg",
            'y' => "tu67gh",
            'u' => "yi78hj",
            'i' => "uo89jk",
            'o' => "ip90kl",
            'p' => "o0l",
            'a' => "qwsz",
            's' => "awedzx",
            'd' => "serfxc",
            'f' => "drtgcv",
            'g' => "ftyhvb",
            'h' => "gyujbn",
            'j' => "huiknm",
            'k' => "jiolm",
            'l' => "kop",
            'z' => "asx",
            'x' => "zsdc",
            'c' => "xdfv",
            'v' => "cfgb",
            'b' => "vghn",
            'n' => "bhjm",
            'm' => "njk",
            _ => "",
        }
    }

    #[test]
    fn mutating_keys_are_never_navigation_keys_nor_next_to_one() {
        let map = Keymap::default();
        let chord_keys = |pred: fn(Command) -> bool| -> Vec<KeyChord> {
            COMMANDS
                .iter()
                .filter(|i| pred(i.command))
                .flat_map(|i| map.keys_for(i.command))
                .collect()
        };
        let navigation = chord_keys(Command::is_navigation);
        let base = |k: &KeyChord| match k.code {
            KeyCode::Char(c) => Some(c.to_ascii_lowercase()),
            _ => None,
        };
        for m in chord_keys(Command::is_mutating) {
            let Some(mc) = base(&m) else { continue };
            let ctrl = m.modifiers.contains(KeyModifiers::CONTROL);
            for n in &navigation {
                // A ctrl chord is only near other ctrl chords; a plain key only near plain keys.
                if n.modifiers.contains(KeyModifiers::CONTROL) != ctrl {
                    continue;
                }
                let Some(nc) = base(n) else { continue };
                assert!(nc != mc, "mutating {m} is the navigation key {n}");
                assert!(
                    !neighbours(mc).contains(nc),
                    "mutating {m} is next to the navigation key {n}"
                );
            }
        }
    }

    #[derive(serde::Deserialize)]
    struct KeysDoc {
        keys: BTreeMap<String, toml::Spanned<KeyList>>,
    }

    #[test]
    fn every_default_key_parses_and_no_key_is_bound_twice() {
        let map = Keymap::default();
        let mut seen = std::collections::HashMap::new();
        for info in COMMANDS {
            assert_eq!(map.keys_for(info.command).len(), info.defaults.len(), "{}", info.name);
            for k in map.keys_for(info.command) {
                if let Some(other) = seen.insert(k, info.name) {
                    panic!("{k} bound to both {other} and {}", info.name);
                }
            }
        }
    }
}
