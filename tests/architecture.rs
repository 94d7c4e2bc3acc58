//! The shape of the code, checked: files and functions small enough to read, no import cycle
//! between the top-level modules, and panes that do not reach into one another (ARCHITECTURE.md
//! says why). Known exceptions are listed by name below and may only shrink: an exception that no
//! longer holds must be taken off the list, so the list always says what is left to split.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lines a file under `src/` may have before its `#[cfg(test)]` block.
const FILE_LINES: usize = 800;
/// Lines a function may have; the emulator's request handlers mirror long service documents.
const FN_LINES: usize = 120;
const FN_LINES_EMULATOR: usize = 150;

/// Files still over [`FILE_LINES`] (path under `src/`).
const LONG_FILES: &[&str] = &[];

/// Functions still over their limit (`path::name`).
const LONG_FUNCTIONS: &[&str] = &[];

/// Import cycles between top-level modules still to break, as `a <-> b`.
const CYCLES: &[&str] = &[];

struct Source {
    /// Path under `src/`, with `/` separators.
    rel: String,
    /// The lines before the first `#[cfg(test)]`.
    lines: Vec<String>,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read a source file");
            let lines = text
                .lines()
                .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
                .map(str::to_string)
                .collect();
            let rel = path
                .strip_prefix(&root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            Source { rel, lines }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The functions of a file with their length in lines: from the `fn` line to the closing brace
/// at the same indentation (rustfmt's layout, which CI enforces).
fn functions(lines: &[String]) -> Vec<(String, usize)> {
    let mut open: Vec<(usize, String, usize)> = Vec::new();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        // A declaration (`;`) or a one-line body (`}`) opens nothing.
        if let Some(name) = fn_name(line.trim_start())
            && !line.trim_end().ends_with(';')
            && !line.trim_end().ends_with('}')
        {
            open.push((indent, name, i));
        }
        if line.trim_end() == format!("{}}}", " ".repeat(indent))
            && let Some(pos) = open.iter().rposition(|(ind, _, _)| *ind == indent)
        {
            let (_, name, start) = open.remove(pos);
            open.truncate(pos);
            found.push((name, i - start + 1));
        }
    }
    found
}

fn fn_name(line: &str) -> Option<String> {
    let mut rest = line;
    for prefix in ["pub(crate) ", "pub(super) ", "pub ", "const ", "async ", "unsafe "] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

/// The top-level module a file belongs to (`app` for `app/panes/tags.rs`); none for the crate
/// roots.
fn top_module(rel: &str) -> Option<&str> {
    match rel {
        "lib.rs" | "main.rs" => None,
        _ => Some(rel.split('/').next()?.trim_end_matches(".rs")),
    }
}

/// The top-level modules a file names through `crate::` paths.
fn crate_references(lines: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in lines {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn files_and_functions_stay_readable() {
    let mut long_files = BTreeSet::new();
    let mut long_functions = BTreeSet::new();
    for src in sources() {
        if src.lines.len() > FILE_LINES {
            long_files.insert(src.rel.clone());
        }
        let limit = if src.rel.starts_with("emulator/") {
            FN_LINES_EMULATOR
        } else {
            FN_LINES
        };
        for (name, len) in functions(&src.lines) {
            if len > limit {
                long_functions.insert(format!("{}::{name}", src.rel));
            }
        }
    }
    ratchet("files over 800 lines", &long_files, LONG_FILES);
    ratchet("functions over their limit", &long_functions, LONG_FUNCTIONS);
}

#[test]
fn top_level_modules_do_not_import_in_a_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for src in sources() {
        let Some(top) = top_module(&src.rel) else { continue };
        let edges = graph.entry(top.to_string()).or_default();
        edges.extend(crate_references(&src.lines).into_iter().filter(|m| m != top));
    }
    let mut cycles = BTreeSet::new();
    for (from, to) in &graph {
        for target in to {
            if let Some(path) = path_between(&graph, target, from) {
                let mut members: Vec<&str> = path.iter().map(String::as_str).collect();
                members.push(from);
                members.sort();
                members.dedup();
                cycles.insert(members.join(" <-> "));
            }
        }
    }
    ratchet("import cycles", &cycles, CYCLES);
}

/// A path of imports from `from` to `to`, if there is one.
fn path_between(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![from.to_string()]];
    while let Some(path) = stack.pop() {
        let last = path.last()?.clone();
        if last == to {
            return Some(path);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in graph.get(&last).into_iter().flatten() {
            let mut longer = path.clone();
            longer.push(next.clone());
            stack.push(longer);
        }
    }
    None
}

#[test]
fn panes_do_not_import_one_another() {
    let mut crossings = Vec::new();
    for folder in ["app/panes/", "ui/panes/"] {
        let panes: BTreeSet<String> = sources()
            .iter()
            .filter_map(|s| s.rel.strip_prefix(folder))
            .filter(|f| !f.contains('/') && *f != "mod.rs")
            .map(|f| f.trim_end_matches(".rs").to_string())
            .collect();
        for src in sources() {
            let Some(file) = src.rel.strip_prefix(folder) else {
                continue;
            };
            let me = file.split('/').next().unwrap_or(file).trim_end_matches(".rs");
            if me == "mod" {
                continue;
            }
            let module_path = format!("crate::{}", folder.replace('/', "::"));
            for line in &src.lines {
                let code = line.split("//").next().unwrap_or("");
                for other in panes.iter().filter(|p| p.as_str() != me) {
                    let named = [
                        format!("super::{other}::"),
                        format!("super::{other};"),
                        format!("super::{{{other}"),
                        format!("{module_path}{other}"),
                    ];
                    if named.iter().any(|n| code.contains(n.as_str())) {
                        crossings.push(format!("{}: {}", src.rel, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        crossings.is_empty(),
        "a pane module imports a sibling pane; move the shared piece beside them:\n{}",
        crossings.join("\n")
    );
}

/// Fails on anything found that is not a known exception, and on a known exception that no
/// longer holds (so the list shrinks as the code is split).
fn ratchet(what: &str, found: &BTreeSet<String>, known: &[&str]) {
    let known: BTreeSet<String> = known.iter().map(|s| s.to_string()).collect();
    let new: Vec<&String> = found.difference(&known).collect();
    let gone: Vec<&String> = known.difference(found).collect();
    assert!(new.is_empty(), "{what}, new: {new:?}");
    assert!(
        gone.is_empty(),
        "{what}: these known exceptions no longer hold; take them off the list: {gone:?}"
    );
}

#[test]
fn the_function_finder_measures_what_rustfmt_writes() {
    let text = "fn a() {\n    one();\n}\n\nimpl X {\n    pub fn b(&self) -> u8 {\n        if x {\n        }\n        2\n    }\n    fn decl();\n    fn one() -> u8 { 1 }\n}\n";
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert_eq!(functions(&lines), vec![("a".to_string(), 3), ("b".to_string(), 5)]);
}
