//! The images.txt format of the seed pipeline (`SOURCE => DESTINATION`), read exactly as its
//! sync script reads it, but checked: every line that the script would have mangled or imported
//! somewhere unexpected becomes a problem naming file:line and the text, and never hides the good
//! lines around it.
//!
//! - `#` lines and blank lines are ignored; whitespace around both sides is trimmed.
//! - The destination is a repository; the tag comes from the source (`:tag`, or `latest`).
//! - A digest in the source (`repo@sha256:…`, `repo:tag@sha256:…`) pins what is imported.

use super::reference::{self, Reference};
use std::collections::HashMap;

/// One import line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file as the operator named it (for `file:line`).
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// The line as written (trimmed).
    pub text: String,
    pub source: Reference,
    /// The target repository.
    pub destination: String,
}

impl Entry {
    /// The tag written in the target.
    pub fn tag(&self) -> &str {
        self.source.tag_or_latest()
    }

    /// `repository:tag` in the target registry.
    pub fn target(&self) -> String {
        format!("{}:{}", self.destination, self.tag())
    }

    /// `file:line`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// A line that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub text: String,
    pub message: String,
}

impl Problem {
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} (`{}`)", self.location(), self.message, self.text)
    }
}

/// What a file holds: the good lines and the bad ones, each in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

/// Reads one file's text. `file` is how it is named in messages.
pub fn parse(file: &str, text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    // Editors on Windows start files with a byte-order mark; it is not part of the first line.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok((source, destination)) => parsed.entries.push(Entry {
                file: file.to_string(),
                line: i + 1,
                text: line.to_string(),
                source,
                destination,
            }),
            Err(message) => parsed.problems.push(Problem {
                file: file.to_string(),
                line: i + 1,
                text: line.to_string(),
                message,
            }),
        }
    }
    parsed
}

fn parse_line(line: &str) -> Result<(Reference, String), String> {
    let mut parts = line.split("=>");
    let source = parts.next().unwrap_or("").trim();
    let Some(destination) = parts.next().map(str::trim) else {
        return Err("no `=>` between source and destination (write `SOURCE => DESTINATION`)".into());
    };
    if parts.next().is_some() {
        return Err("more than one `=>` on the line".into());
    }
    if source.is_empty() {
        return Err("the source (left of `=>`) is empty".into());
    }
    if destination.is_empty() {
        return Err("the destination (right of `=>`) is empty".into());
    }
    let source = Reference::parse(source).map_err(|e| format!("bad source reference: {e}"))?;
    check_destination(destination)?;
    Ok((source, destination.to_string()))
}

/// A destination is one repository of the file's registry, nothing more.
fn check_destination(d: &str) -> Result<(), String> {
    if d.contains(['*', '?', '[']) {
        return Err(format!(
            "the destination `{d}` is a pattern: locking or importing by it would hit every repository \
             it matches; name one repository"
        ));
    }
    if let Some(at) = d.find('@') {
        return Err(format!(
            "the destination names a digest (`{}`): a destination is a repository; pin the digest in \
             the source instead",
            &d[at..]
        ));
    }
    let last = d.rsplit('/').next().unwrap_or(d);
    if let Some((repo, tag)) = last.split_once(':') {
        return Err(format!(
            "the destination names a tag (`:{tag}`): a destination is a repository and the tag comes \
             from the source; `{}` with a tag would make a lock meant for one image land on another \
             (write `{}{repo}`)",
            d,
            &d[..d.len() - last.len()]
        ));
    }
    if let Some((first, _)) = d.split_once('/')
        && (first.contains(['.', ':']) || first == "localhost")
    {
        return Err(format!(
            "the destination starts with a registry host (`{first}`): give the repository only; the \
             target registry is the one this file is bound to in the config"
        ));
    }
    reference::check_path(d).map_err(|e| format!("bad destination: {e}"))
}

/// Lines that write the same target tag as an earlier line (in any of the files bound to one
/// registry): the later one is a problem, and leaves the entries. Files in the order given.
pub fn remove_duplicate_targets(parsed: &mut [Parsed]) {
    let mut first: HashMap<String, String> = HashMap::new();
    for file in parsed.iter_mut() {
        let mut kept = Vec::with_capacity(file.entries.len());
        for e in file.entries.drain(..) {
            let target = e.target();
            match first.get(&target) {
                Some(earlier) => file.problems.push(Problem {
                    file: e.file.clone(),
                    line: e.line,
                    text: e.text.clone(),
                    message: format!("writes {target}, as {earlier} already does"),
                }),
                None => {
                    first.insert(target, e.location());
                    kept.push(e);
                }
            }
        }
        file.entries = kept;
        file.problems.sort_by_key(|p| p.line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:f39b9ff6bc95b23f94b7b3a9a8b6f0b13e44bf0d7b9e5d3d7b26d6b2bd55a1c2";

    #[test]
    fn the_seed_format_comments_blanks_and_trimming() {
        let text = "# images\n\n   registry.k8s.io/ingress-nginx/controller:v1.11.1   =>   ingress-nginx/controller  \n\
                    #quay.io/jetstack/x:v1 => jetstack/x\n\tdocker.io/cloudflare/cloudflared => cloudflare/cloudflared\r\n";
        let p = parse("images.txt", text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.entries.len(), 2);
        let e = &p.entries[0];
        assert_eq!(
            (e.line, e.tag(), e.target()),
            (3, "v1.11.1", "ingress-nginx/controller:v1.11.1".into())
        );
        assert_eq!(e.source.registry(), "registry.k8s.io");
        assert_eq!(e.location(), "images.txt:3");
        // No tag in the source: latest, as the script did.
        assert_eq!(p.entries[1].target(), "cloudflare/cloudflared:latest");
        assert_eq!(p.entries[1].line, 5);
    }

    #[test]
    fn digests_pin_the_source() {
        let p = parse("f", &format!("quay.io/a/b@{D} => a/b\nquay.io/a/c:v2@{D} => a/c\n"));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.entries[0].source.digest.as_deref(), Some(D));
        assert_eq!(p.entries[0].target(), "a/b:latest");
        assert_eq!(p.entries[1].target(), "a/c:v2");
    }

    #[test]
    fn every_problem_names_file_line_and_text_and_good_lines_survive() {
        let text = format!(
            "good.io/a:1 => a\n\
             good.io/b:1 a\n\
             => b\n\
             good.io/c:1 =>\n\
             good.io/D:1 => d\n\
             good.io/e:1 => e:2\n\
             good.io/f:1 => apps/*\n\
             good.io/g:1 => g@{D}\n\
             good.io/h:1 => other.azurecr.io/h\n\
             good.io/i:1 => i => j\n\
             good.io/k:1 => K\n\
             good.io/l:1 => l\n"
        );
        let p = parse("ops/images.txt", &text);
        let lines: Vec<usize> = p.entries.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 12], "the good lines survive the bad ones");
        let msg = |line: usize| {
            p.problems
                .iter()
                .find(|x| x.line == line)
                .map(|x| x.to_string())
                .unwrap_or_else(|| panic!("no problem on line {line}: {:?}", p.problems))
        };
        assert!(msg(2).starts_with("ops/images.txt:2: no `=>`"), "{}", msg(2));
        assert!(msg(2).contains("`good.io/b:1 a`"));
        assert!(msg(3).contains("source (left of `=>`) is empty"));
        assert!(msg(4).contains("destination (right of `=>`) is empty"));
        assert!(msg(5).contains("bad source reference: uppercase"));
        assert!(
            msg(6).contains("names a tag (`:2`)") && msg(6).contains("write `e`"),
            "{}",
            msg(6)
        );
        assert!(msg(7).contains("is a pattern"));
        assert!(msg(8).contains("names a digest"));
        assert!(msg(9).contains("registry host (`other.azurecr.io`)"));
        assert!(msg(10).contains("more than one `=>`"));
        assert!(msg(11).contains("bad destination: uppercase"));
        assert_eq!(p.problems.len(), 10);
    }

    #[test]
    fn two_lines_writing_one_target_across_files() {
        let mut files = vec![
            parse("a.txt", "quay.io/x/app:1 => app\nquay.io/x/app:2 => app\n"),
            parse(
                "b.txt",
                "docker.io/y/app:1 => app\nquay.io/x/app:1 => app\ndocker.io/z:1 => z\n",
            ),
        ];
        remove_duplicate_targets(&mut files);
        assert_eq!(files[0].entries.len(), 2);
        assert!(files[0].problems.is_empty());
        assert_eq!(files[1].entries.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3]);
        assert_eq!(files[1].problems.len(), 2);
        assert_eq!(files[1].problems[0].message, "writes app:1, as a.txt:1 already does");
        assert_eq!(files[1].problems[0].location(), "b.txt:1");
    }

    #[test]
    fn anything_at_all_is_taken_without_a_panic() {
        for text in [
            "=>",
            "=>=>",
            " => ",
            "\u{feff}a => b",
            "a:b:c => d",
            "@ => x",
            "a@ => b",
            "\0 => \0",
            "é => è",
        ] {
            let p = parse("f", text);
            assert_eq!(p.entries.len() + p.problems.len(), 1, "{text:?}");
        }
    }
}
