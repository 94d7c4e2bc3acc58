//! Service text made fit to show. Tags, digests, messages and log lines can hold any Unicode,
//! control characters and terminal escape sequences: text is cut by characters, never by byte
//! index (a cut inside a multi-byte character panics), and control characters are replaced
//! before text reaches a terminal, so a tag cannot set the window title or write the clipboard.

use std::borrow::Cow;

/// The replacement shown for a control character (ESC, BEL, CSI, ...): visible, harmless.
const REPLACEMENT: char = '\u{fffd}';

/// `s` with every control character (C0, DEL, C1) but tab replaced by U+FFFD; borrowed when
/// there is none, which is nearly always.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| if is_unsafe(c) { REPLACEMENT } else { c }).collect())
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\t'
}

/// Like [`printable`], but line breaks are kept: for messages of several lines.
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    let unsafe_here = |c: char| is_unsafe(c) && c != '\n';
    if !s.chars().any(unsafe_here) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| if unsafe_here(c) { REPLACEMENT } else { c })
            .collect(),
    )
}

/// The first twelve characters of a digest's hex part (`0123456789ab`), for a column with no
/// room for all of it; printable whatever the digest holds.
pub fn short_hex(digest: &str) -> String {
    let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
    printable(&hex.chars().take(12).collect::<String>()).into_owned()
}

/// `sha256:0123456789ab…` for narrow places: the algorithm and twelve characters of the hex
/// part (the whole digest when it is that short); printable whatever the digest holds.
pub fn short_digest(digest: &str) -> String {
    match digest.split_once(':') {
        Some((alg, hex)) if hex.chars().count() > 12 => {
            printable(&format!("{alg}:{}…", hex.chars().take(12).collect::<String>())).into_owned()
        }
        _ => printable(digest).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_cut_by_characters_whatever_they_hold() {
        let d = "sha256:0123456789abcdef";
        assert_eq!(short_hex(d), "0123456789ab");
        assert_eq!(short_digest(d), "sha256:0123456789ab…");
        assert_eq!(short_digest("sha256:abc"), "sha256:abc");
        // A byte-index cut at 12 would land inside these characters and panic.
        let hostile = "sha256:ééééééééééééé";
        assert_eq!(short_hex(hostile), "éééééééééééé");
        assert_eq!(short_digest(hostile), "sha256:éééééééééééé…");
        assert_eq!(short_hex("日本語のダイジェスト値です"), "日本語のダイジェスト値で");
        assert_eq!(short_hex(""), "");
    }

    #[test]
    fn control_characters_and_escapes_are_replaced() {
        assert!(matches!(printable("1.4.2"), Cow::Borrowed("1.4.2")));
        assert_eq!(printable("a\tb"), "a\tb");
        // OSC 52 (clipboard), OSC 0 (title), a CSI sequence, BEL, a newline, DEL, C1 CSI.
        let hostile = "x\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]0;pwned\u{7}\u{1b}[2J\n\u{7f}\u{9b}y";
        let shown = printable(hostile);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert!(shown.starts_with('x') && shown.ends_with('y'));
        assert_eq!(short_hex("sha256:\u{1b}[31mred"), "\u{fffd}[31mred");
        assert_eq!(printable_lines("two\nlines\u{1b}[2J"), "two\nlines\u{fffd}[2J");
    }
}
