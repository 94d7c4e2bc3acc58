//! Service text made fit to show. Tags, digests, messages and log lines can hold any Unicode,
//! control characters and terminal escape sequences: text is cut by characters and display
//! width, never by byte index (a cut inside a multi-byte character panics), and control
//! characters are replaced before text reaches a terminal, so a tag cannot set the window title
//! or write the clipboard. Bidirectional overrides go too: a tag must read as what it is.
//!
//! The panes send every service string through [`printable`] or [`fit`]; headless commands
//! write through a [`SafeWriter`], which does the same to everything on its way to stdout.

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
    (c.is_control() && c != '\t') || is_bidi_control(c)
}

/// Whether `s` holds a character [`printable`] would replace.
pub fn needs_replacing(s: &str) -> bool {
    s.chars().any(is_unsafe)
}

/// `s` without the characters [`printable`] would replace (for a terminal cell, where a
/// replacement would take a column of its own).
pub fn without_unsafe(s: &str) -> String {
    s.chars().filter(|c| !is_unsafe(*c)).collect()
}

/// Characters that reorder the text around them (LRE..RLO, LRI..PDI, the marks): shown as they
/// are, `1.4.0` followed by an override can display as another tag.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// `s` made printable and cut to at most `width` terminal columns, ending in `…` when cut.
/// Wide characters (CJK, emoji) count two columns; a cut never splits one.
pub fn fit(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let shown = printable(s);
    let total: usize = shown.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return shown.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in shown.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// How many terminal columns `s` takes once printable.
pub fn width(s: &str) -> usize {
    use unicode_width::UnicodeWidthChar;
    printable(s).chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// How a [`SafeWriter`] treats what passes through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// Control characters (but line ends and tabs) and bidirectional overrides become U+FFFD.
    Text,
    /// JSON: such characters inside strings are written as `\u00XX` escapes, so the document
    /// decodes to exactly what the service sent and no escape sequence reaches a terminal.
    /// (serde_json escapes ESC and the other C0 characters itself; DEL, the C1 range and the
    /// overrides it leaves as they are.)
    Json,
    /// As it is: `--raw`, for an operator who wants the service's bytes.
    Raw,
}

/// A writer that makes everything written through it safe for a terminal: headless commands
/// put it between themselves and stdout, so no printer can forget. UTF-8 split across writes
/// is reassembled; bytes that are not UTF-8 become U+FFFD.
pub struct SafeWriter<W: std::io::Write> {
    inner: W,
    treatment: Treatment,
    /// The start of a character whose remaining bytes have not been written yet.
    pending: Vec<u8>,
}

impl<W: std::io::Write> SafeWriter<W> {
    pub fn new(inner: W, treatment: Treatment) -> Self {
        SafeWriter {
            inner,
            treatment,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, text: &str) -> std::io::Result<()> {
        let keep = |c: char| c == '\n' || !is_unsafe(c);
        if text.chars().all(keep) {
            return self.inner.write_all(text.as_bytes());
        }
        let mut out = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            if keep(c) {
                out.push(c);
            } else if self.treatment == Treatment::Json {
                out.push_str(&format!("\\u{:04x}", c as u32));
            } else {
                out.push(REPLACEMENT);
            }
        }
        self.inner.write_all(out.as_bytes())
    }
}

impl<W: std::io::Write> std::io::Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.treatment == Treatment::Raw {
            return self.inner.write(buf);
        }
        self.pending.extend_from_slice(buf);
        let mut start = 0;
        loop {
            match std::str::from_utf8(&self.pending[start..]) {
                Ok(text) => {
                    let text = text.to_string();
                    self.emit(&text)?;
                    self.pending.clear();
                    return Ok(buf.len());
                }
                Err(e) => {
                    let good = start + e.valid_up_to();
                    let text = String::from_utf8_lossy(&self.pending[start..good]).into_owned();
                    self.emit(&text)?;
                    match e.error_len() {
                        // Bytes that can never be UTF-8: shown as the replacement.
                        Some(bad) => {
                            self.inner.write_all(REPLACEMENT.to_string().as_bytes())?;
                            start = good + bad;
                        }
                        // A character cut by the end of this write: kept for the next.
                        None => {
                            self.pending.drain(..good);
                            return Ok(buf.len());
                        }
                    }
                }
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
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
        assert_eq!(printable("1.4.0\u{202e}0.4.1"), "1.4.0\u{fffd}0.4.1");
    }

    #[test]
    fn fit_counts_columns_and_never_splits_a_character() {
        assert_eq!(fit("1.4.2", 10), "1.4.2");
        assert_eq!(fit("abcdefghij", 5), "abcd…");
        assert_eq!(fit("日本語のタグ", 5), "日本…", "wide characters take two columns");
        assert_eq!(fit("x\u{1b}]52;c;AAAA\u{7}", 4), "x\u{fffd}]…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(width("日本"), 4);
    }

    fn through(treatment: Treatment, pieces: &[&[u8]]) -> String {
        use std::io::Write;
        let mut out = Vec::new();
        {
            let mut w = SafeWriter::new(&mut out, treatment);
            for p in pieces {
                w.write_all(p).unwrap();
            }
            w.flush().unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_safe_writer_neutralises_escapes_across_writes() {
        let osc52 = "tag\u{1b}]52;c;ZXZpbA==\u{7}\n".as_bytes();
        assert_eq!(
            through(Treatment::Text, &[osc52]),
            "tag\u{fffd}]52;c;ZXZpbA==\u{fffd}\n"
        );
        assert_eq!(through(Treatment::Raw, &[osc52]).as_bytes(), osc52);
        // é is two bytes: split across writes, it arrives whole.
        let e = "é".as_bytes();
        assert_eq!(through(Treatment::Text, &[b"caf", &e[..1], &e[1..], b"\n"]), "café\n");
        assert_eq!(through(Treatment::Text, &[b"a\xffb"]), "a\u{fffd}b");
        // JSON: a C1 CSI inside a string is escaped, so the document still decodes to it.
        let doc = serde_json::to_string(&serde_json::json!({"tag": "x\u{9b}2Jy\u{1b}"})).unwrap();
        let shown = through(Treatment::Json, &[doc.as_bytes()]);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(back["tag"], "x\u{9b}2Jy\u{1b}");
    }
}
