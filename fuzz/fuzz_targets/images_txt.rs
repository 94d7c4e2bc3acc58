//! Any bytes as an images.txt: the parser never panics, every non-comment line ends up as exactly
//! one entry or one problem, and what it accepts means the same when written out and read again.
#![no_main]

use acrdeck::imports::file;
use acrdeck::imports::reference::Reference;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = file::parse("fuzz.txt", &text);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count();
    assert_eq!(parsed.entries.len() + parsed.problems.len(), lines);
    for e in &parsed.entries {
        let again = Reference::parse(&e.source.to_string()).expect("a parsed source prints as a valid reference");
        assert_eq!(again, e.source);
        let line = format!("{} => {}", e.source, e.destination);
        let reparsed = file::parse("again.txt", &line);
        assert_eq!(reparsed.entries.len(), 1, "{line}");
        assert_eq!(reparsed.entries[0].target(), e.target());
    }
    let mut files = vec![parsed];
    file::remove_duplicate_targets(&mut files);
});
