//! The search grammar of `/` in the dashboard (and of the headless commands' QUERY): words match
//! case-insensitive substrings of a row; `key:value` filters a column a table knows (`stage:prod`,
//! `locked:yes`, `status:failed`, `task:hello`, `digest:sha256:ab`); an unknown key falls back to
//! a plain word; `re:PATTERN` is a case-insensitive regular expression; `updated:<7d` (newer than
//! seven days) and `updated:>30d` (older) compare a time column, held as Unix seconds, with now.
//! All terms must match.

use regex::Regex;

#[derive(Debug, Clone)]
enum Term {
    /// A substring, with its searcher built once (SIMD; several times faster than `str::contains`
    /// over 100,000 rows).
    Word(Box<memchr::memmem::Finder<'static>>),
    Field(String, String),
    /// The pattern for one row, and the same for one pass over a whole index (see `RowRegex`).
    Regex(Regex, Box<RowRegex>),
    /// `key:<AGE` (newer than now minus AGE) or `key:>AGE` (older); `cutoff` in Unix seconds.
    Age {
        key: String,
        newer: bool,
        cutoff: i64,
        word: String,
    },
}

/// `<7d`, `>30m`: whether newer is asked for, and the age in seconds.
fn age_comparison(v: &str) -> Option<(bool, i64)> {
    let newer = match v.as_bytes().first()? {
        b'<' => true,
        b'>' => false,
        _ => return None,
    };
    let rest = &v[1..];
    let unit = rest.chars().last()?;
    let n: i64 = rest[..rest.len() - unit.len_utf8()].parse().ok()?;
    let secs = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    Some((newer, n.checked_mul(secs)?))
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    terms: Vec<Term>,
}

impl Query {
    /// Parses a query; a bad regular expression is an error naming it. Ages count from now.
    pub fn parse(text: &str) -> Result<Query, String> {
        Query::parse_at(text, chrono::Utc::now())
    }

    /// Parses a query whose ages (`updated:<7d`) count from `now`.
    pub fn parse_at(text: &str, now: chrono::DateTime<chrono::Utc>) -> Result<Query, String> {
        let mut terms = Vec::new();
        for word in text.split_whitespace() {
            if let Some(pattern) = word.strip_prefix("re:") {
                // Rows are searched lower-cased, so only a pattern with capitals needs the
                // (slower) case-insensitive engine.
                let fold = pattern.chars().any(char::is_uppercase);
                let re = regex::RegexBuilder::new(pattern)
                    .case_insensitive(fold)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| {
                        // The crate's message spans lines (pattern, caret, reason): keep the reason.
                        let text = e.to_string();
                        let reason = text
                            .lines()
                            .rev()
                            .find(|l| !l.trim().is_empty())
                            .unwrap_or("invalid")
                            .trim()
                            .to_string();
                        format!("`{pattern}` is not a regular expression ({reason})")
                    })?;
                let whole = RowRegex::new(pattern, fold).map_err(|e| format!("`{pattern}`: {e}"))?;
                terms.push(Term::Regex(re, Box::new(whole)));
            } else if let Some((k, v)) = word.split_once(':').filter(|(k, v)| !k.is_empty() && !v.is_empty()) {
                match age_comparison(v) {
                    Some((newer, age)) => terms.push(Term::Age {
                        key: k.to_ascii_lowercase(),
                        newer,
                        cutoff: now.timestamp() - age,
                        word: word.to_lowercase(),
                    }),
                    None => terms.push(Term::Field(k.to_ascii_lowercase(), v.to_lowercase())),
                }
            } else {
                terms.push(Term::Word(Box::new(
                    memchr::memmem::Finder::new(&word.to_lowercase()).into_owned(),
                )));
            }
        }
        Ok(Query { terms })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether a row matches: `text` is the row's text in lower case, `field` gives a column's
    /// value (lower case) for a key the table knows.
    pub fn matches(&self, text: &str, field: impl Fn(&str) -> Option<String>) -> bool {
        self.terms.iter().all(|t| match t {
            Term::Word(w) => w.find(text.as_bytes()).is_some(),
            Term::Regex(re, _) => re.is_match(text),
            Term::Age {
                key,
                newer,
                cutoff,
                word,
            } => match field(key) {
                Some(actual) => age_holds(&actual, *newer, *cutoff),
                None => text.contains(word.as_str()),
            },
            Term::Field(k, v) => match field(k) {
                Some(actual) if k == "locked" => (actual == "yes") == wants_locked(v),
                Some(actual) => actual.contains(v.as_str()),
                // Not a column of this table: the whole term is a plain word.
                None => text.contains(&format!("{k}:{v}")),
            },
        })
    }

    /// The rows of an index that match, in order. One term picks the candidates in one pass
    /// over the index (a column's values, or else the contiguous text for a word or a regex: no
    /// pointer chasing through 100,000 rows); the other terms are then checked on the rows left.
    pub fn filter_indexed(&self, index: &SearchIndex) -> Vec<usize> {
        let checks: Vec<Check<'_>> = self.terms.iter().map(|t| Check::resolve(t, index)).collect();
        // A column goes first when there is one: its values lie side by side, and a column
        // usually leaves few rows for the words. Then a word (a SIMD scan), then a regex.
        let first = checks
            .iter()
            .position(|c| matches!(c, Check::Locked { .. } | Check::Column { .. } | Check::Age { .. }))
            .or_else(|| checks.iter().position(|c| matches!(c, Check::Word(_))))
            .or_else(|| checks.iter().position(|c| matches!(c, Check::Regex(_))));
        let mut rows: Vec<usize> = match first.map(|i| &checks[i]) {
            Some(Check::Word(f)) => index.rows_with(f.find_iter(index.text.as_bytes())),
            Some(Check::Regex(whole)) => whole.rows(index),
            Some(check) => (0..index.len()).filter(|&i| check.holds(index, i)).collect(),
            None => (0..index.len()).collect(),
        };
        let rest: Vec<&Check<'_>> = checks
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != first)
            .map(|(_, c)| c)
            .collect();
        if !rest.is_empty() {
            rows.retain(|&i| rest.iter().all(|c| c.holds(index, i)));
        }
        rows
    }
}

/// Whether a time column (Unix seconds) is newer / older than the cutoff; no time: no match.
fn age_holds(value: &str, newer: bool, cutoff: i64) -> bool {
    match value.parse::<i64>() {
        Ok(t) if newer => t >= cutoff,
        Ok(t) => t < cutoff,
        Err(_) => false,
    }
}

/// Whether `locked:VALUE` asks for locked rows.
fn wants_locked(value: &str) -> bool {
    matches!(value, "yes" | "true" | "y" | "1")
}

/// The compiled size a `re:` pattern may reach (a typo like `.{1000}{1000}` stays an error
/// instead of a frozen dashboard).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A term resolved against one index: a column by its position, an unknown key as the plain word
/// it then is. Done once per filter, so the loop over 100,000 rows compares bytes and nothing else.
enum Check<'q> {
    Word(&'q memchr::memmem::Finder<'static>),
    /// A `key:value` whose key is no column here, searched as the word `key:value`.
    Phrase(memchr::memmem::Finder<'static>),
    Regex(&'q RowRegex),
    Locked {
        column: usize,
        want: bool,
    },
    Age {
        column: usize,
        newer: bool,
        cutoff: i64,
    },
    Column {
        column: usize,
        value: memchr::memmem::Finder<'static>,
    },
}

impl<'q> Check<'q> {
    fn resolve(term: &'q Term, index: &SearchIndex) -> Check<'q> {
        match term {
            Term::Word(f) => Check::Word(f),
            Term::Regex(_, whole) => Check::Regex(whole),
            Term::Age {
                key,
                newer,
                cutoff,
                word,
            } => match index.field_names.iter().position(|f| f == key) {
                Some(column) => Check::Age {
                    column,
                    newer: *newer,
                    cutoff: *cutoff,
                },
                None => Check::Phrase(memchr::memmem::Finder::new(word.as_bytes()).into_owned()),
            },
            Term::Field(k, v) => match index.field_names.iter().position(|f| f == k) {
                Some(column) if k == "locked" => Check::Locked {
                    column,
                    want: wants_locked(v),
                },
                Some(column) => Check::Column {
                    column,
                    value: memchr::memmem::Finder::new(v.as_bytes()).into_owned(),
                },
                None => Check::Phrase(memchr::memmem::Finder::new(format!("{k}:{v}").as_bytes()).into_owned()),
            },
        }
    }

    fn holds(&self, index: &SearchIndex, row: usize) -> bool {
        match self {
            Check::Word(f) => f.find(index.row(row).as_bytes()).is_some(),
            Check::Phrase(f) => f.find(index.row(row).as_bytes()).is_some(),
            Check::Regex(re) => re.is_match_row(index.row(row)),
            Check::Locked { column, want } => (index.column(row, *column) == "yes") == *want,
            Check::Age { column, newer, cutoff } => age_holds(index.column(row, *column), *newer, *cutoff),
            Check::Column { column, value } => value.find(index.column(row, *column).as_bytes()).is_some(),
        }
    }
}

/// A `re:` pattern made to search a whole index's text in one go. Rows hold no newline (the
/// index turns them into spaces), so taking `\n` out of every class and literal of the pattern
/// changes nothing about which rows match, and guarantees that no match runs from one row into
/// the next. Every hit then names exactly one row, found by the end of the match alone: the
/// search stops at the earliest point a match is certain (no second, backwards pass for where it
/// began) and starts again at the next row. That is the cost that dominated when half of
/// 100,000 rows matched. `^` and `$` keep their meaning: they match at row boundaries.
#[derive(Debug, Clone)]
pub struct RowRegex {
    regex: regex_automata::meta::Regex,
}

impl RowRegex {
    fn new(pattern: &str, fold: bool) -> Result<RowRegex, String> {
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(fold)
            .multi_line(true)
            .build()
            .parse(pattern)
            .map_err(|e| e.to_string())?;
        let regex = regex_automata::meta::Regex::builder()
            .configure(regex_automata::meta::Regex::config().nfa_size_limit(Some(REGEX_SIZE_LIMIT)))
            .build_from_hir(&without_newlines(hir))
            .map_err(|e| e.to_string())?;
        Ok(RowRegex { regex })
    }

    fn is_match_row(&self, row: &str) -> bool {
        self.regex.is_match(row)
    }

    /// The rows of the index with a match, in order.
    fn rows(&self, index: &SearchIndex) -> Vec<usize> {
        let text = index.text.as_bytes();
        let mut cache = self.regex.create_cache();
        let mut rows = Vec::new();
        let mut row = 0;
        let mut at = 0;
        while at < text.len() {
            let input = regex_automata::Input::new(text).range(at..).earliest(true);
            let Some(hit) = self.regex.search_half_with(&mut cache, &input) else {
                break;
            };
            // A match never holds a newline, so the match ends in the row it began in: the row
            // holding its end (for an empty match, its place; a row's newline counts as its own).
            // An empty match after the last newline is in no row.
            if hit.offset() >= text.len() {
                break;
            }
            row = index.row_from(row, hit.offset());
            rows.push(row);
            at = index.starts[row + 1];
        }
        rows
    }
}

/// The pattern with `\n` taken out of every class, and every literal holding one made a pattern
/// that cannot match (see `RowRegex`).
fn without_newlines(hir: regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind};
    match hir.into_kind() {
        HirKind::Literal(lit) if lit.0.contains(&b'\n') => Hir::fail(),
        HirKind::Literal(lit) => Hir::literal(lit.0),
        HirKind::Class(Class::Unicode(mut class)) => {
            class.difference(&ClassUnicode::new([ClassUnicodeRange::new('\n', '\n')]));
            Hir::class(Class::Unicode(class))
        }
        HirKind::Class(Class::Bytes(mut class)) => {
            class.difference(&ClassBytes::new([ClassBytesRange::new(b'\n', b'\n')]));
            Hir::class(Class::Bytes(class))
        }
        HirKind::Repetition(mut rep) => {
            rep.sub = Box::new(without_newlines(*rep.sub));
            Hir::repetition(rep)
        }
        HirKind::Capture(mut cap) => {
            cap.sub = Box::new(without_newlines(*cap.sub));
            Hir::capture(cap)
        }
        HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(without_newlines).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.into_iter().map(without_newlines).collect()),
        HirKind::Empty => Hir::empty(),
        HirKind::Look(look) => Hir::look(look),
    }
}

/// Appends `s` lower-cased, newlines as spaces (a newline separates the index's rows). Tags,
/// digests and names are nearly always ASCII: they are copied and lower-cased in place at once;
/// anything else goes char by char.
fn push_lowercase(buf: &mut String, s: &str) {
    if s.is_ascii() && !s.contains('\n') {
        let start = buf.len();
        buf.push_str(s);
        buf[start..].make_ascii_lowercase();
        return;
    }
    for c in s.chars() {
        if c == '\n' {
            buf.push(' ');
        } else {
            buf.extend(c.to_lowercase());
        }
    }
}

/// The lower-cased search text of a table's rows, one after another in one buffer: filtering
/// 100,000 rows is then one SIMD scan of a few megabytes rather than 100,000 small searches in
/// scattered allocations.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    text: String,
    /// Where each row starts in `text`, and one past the end.
    starts: Vec<usize>,
    /// The columns `key:value` can name, their values (lower case) row after row.
    field_names: Vec<&'static str>,
    fields: String,
    field_starts: Vec<usize>,
}

impl SearchIndex {
    /// Builds the index from each row's text (lower-cased here; newlines become spaces, since a
    /// newline separates rows).
    pub fn build<S: AsRef<str>>(rows: impl IntoIterator<Item = S>) -> SearchIndex {
        SearchIndex::with_fields(rows.into_iter().map(|r| (r, Vec::<String>::new())), &[])
    }

    /// Builds the index with columns: each row gives its text and one value per name.
    pub fn with_fields<S: AsRef<str>, F: AsRef<str>>(
        rows: impl IntoIterator<Item = (S, Vec<F>)>,
        names: &[&'static str],
    ) -> SearchIndex {
        let mut index = SearchIndex::new(names);
        for (row, values) in rows {
            index.push(row.as_ref(), &values);
        }
        index
    }

    /// An index of no rows yet, with these columns.
    pub fn new(names: &[&'static str]) -> SearchIndex {
        SearchIndex {
            text: String::new(),
            starts: vec![0],
            field_names: names.to_vec(),
            fields: String::new(),
            field_starts: vec![0],
        }
    }

    /// Adds a row at the end: its text and one value per column (so a listing's index grows
    /// page by page instead of being built again for every page).
    pub fn push<F: AsRef<str>>(&mut self, row: &str, values: &[F]) {
        if self.starts.is_empty() {
            self.starts.push(0);
            self.field_starts.push(0);
        }
        for n in 0..self.field_names.len() {
            if let Some(v) = values.get(n) {
                push_lowercase(&mut self.fields, v.as_ref());
            }
            self.field_starts.push(self.fields.len());
        }
        push_lowercase(&mut self.text, row);
        self.text.push('\n');
        self.starts.push(self.text.len());
    }

    /// Row `i`'s value of column `name`, if the index has that column.
    pub fn field(&self, i: usize, name: &str) -> Option<&str> {
        let n = self.field_names.iter().position(|f| *f == name)?;
        Some(self.column(i, n))
    }

    /// Row `i`'s value of the column at position `n`.
    fn column(&self, i: usize, n: usize) -> &str {
        let k = i * self.field_names.len() + n;
        &self.fields[self.field_starts[k]..self.field_starts[k + 1]]
    }

    /// The row holding byte `at` of the text, searching forward from row `from` (hits come in
    /// order, so this walks the offsets once instead of a binary search per hit).
    fn row_from(&self, from: usize, at: usize) -> usize {
        let mut row = from;
        while self.starts[row + 1] <= at {
            row += 1;
        }
        row
    }

    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`'s text, without its separator.
    pub fn row(&self, i: usize) -> &str {
        &self.text[self.starts[i]..self.starts[i + 1] - 1]
    }

    /// The rows holding the hits of an iterator over the text (in order; a row counts once).
    fn rows_with(&self, hits: impl Iterator<Item = usize>) -> Vec<usize> {
        let mut rows = Vec::new();
        let mut row = 0;
        let mut row_end = 0;
        for at in hits {
            if at < row_end {
                continue;
            }
            row = self.row_from(row, at);
            row_end = self.starts[row + 1];
            rows.push(row);
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(k: &str) -> Option<String> {
        match k {
            "stage" => Some("prod".into()),
            "locked" => Some("yes".into()),
            _ => None,
        }
    }

    #[test]
    fn the_index_lower_cases_ascii_and_unicode_alike() {
        let mut ix = SearchIndex::new(&["tag"]);
        ix.push("Build-01 SHA256:AB", &["Build-01"]);
        ix.push("Ärger\nZeile", &["ÄRGER"]);
        let q = |s: &str| Query::parse(s).expect("query").filter_indexed(&ix);
        assert_eq!(q("build-01"), [0]);
        assert_eq!(q("sha256:ab"), [0]);
        assert_eq!(q("tag:ärger"), [1]);
        assert_eq!(q("ärger zeile"), [1], "a newline in a value is a space");
        assert_eq!(ix.len(), 2);
    }

    #[test]
    fn words_fields_fallback_and_regex() {
        let text = "prod contosoprod apps/web 1.4.1 sha256:f39b";
        assert!(Query::parse("WEB 1.4").unwrap().matches(text, row));
        assert!(Query::parse("stage:prod locked:yes").unwrap().matches(text, row));
        assert!(!Query::parse("locked:no").unwrap().matches(text, row));
        assert!(
            Query::parse("sha256:f39").unwrap().matches(text, row),
            "unknown key: a plain word"
        );
        assert!(Query::parse("re:^prod.*1\\.4\\.\\d").unwrap().matches(text, row));
        assert!(!Query::parse("web nginx").unwrap().matches(text, row));
        assert!(Query::parse("re:(").is_err());
        assert!(Query::parse("").unwrap().is_empty());
    }

    #[test]
    fn ages_compare_a_time_column_with_now() {
        let now = chrono::Utc::now();
        let days_ago = |d: i64| (now - chrono::Duration::days(d)).timestamp().to_string();
        let (fresh, old) = (days_ago(2), days_ago(40));
        let q = Query::parse_at("updated:<7d", now).unwrap();
        assert!(q.matches("x", |k| (k == "updated").then(|| fresh.clone())));
        assert!(!q.matches("x", |k| (k == "updated").then(|| old.clone())));
        let q = Query::parse_at("updated:>30d", now).unwrap();
        assert!(q.matches("x", |k| (k == "updated").then(|| old.clone())));
        assert!(
            !q.matches("x", |k| (k == "updated").then(String::new)),
            "no time: no match"
        );
        // Not a time column here: the plain word.
        assert!(Query::parse_at("size:<7d", now).unwrap().matches("size:<7d", |_| None));
        // Not an age: an ordinary column value.
        assert!(
            Query::parse_at("updated:<x", now)
                .unwrap()
                .matches("updated:<x", |_| None)
        );
        let rows = ["a", "b", "c"];
        let index = SearchIndex::with_fields(
            rows.iter()
                .zip([&fresh, &old, &String::new()])
                .map(|(r, t)| (r, vec![t.as_str()])),
            &["updated"],
        );
        assert_eq!(
            Query::parse_at("updated:<7d", now).unwrap().filter_indexed(&index),
            vec![0]
        );
        assert_eq!(
            Query::parse_at("updated:>7d", now).unwrap().filter_indexed(&index),
            vec![1]
        );
    }

    #[test]
    fn the_index_finds_the_same_rows_as_row_by_row_matching() {
        let rows = [
            "1.4.1 sha256:f39b linux/amd64",
            "1.4.0 sha256:e409 linux/arm64",
            "build-09 sha256:0909 linux/amd64",
            "LATEST sha256:aa\nnext",
        ];
        let index = SearchIndex::with_fields(
            rows.iter()
                .enumerate()
                .map(|(i, r)| (r, vec![if i == 1 { "yes" } else { "no" }])),
            &["locked"],
        );
        assert_eq!(index.len(), 4);
        assert_eq!(index.row(3), "latest sha256:aa next");
        assert_eq!(index.field(1, "locked"), Some("yes"));
        assert_eq!(index.field(1, "stage"), None);
        for q in [
            "amd64",
            "09",
            "amd64 1.4",
            "locked:yes",
            "locked:no amd64",
            "amd64 locked:no re:1",
            "re:^1\\.4",
            "re:64$",
            "re:amd64\\s1",
            "re:4 1.4",
            "latest",
            "nothing",
            "",
            "sha256 linux",
            // Patterns that could run over a row's end if the index were searched naively.
            "re:amd64[^x]1",
            "re:(?s)amd64.1",
            "re:64\\s",
            "re:\\n",
            "re:^",
            "re:$",
            "re:^$",
            "re:aa\\snext",
            "re:4(?-u:\\s)1",
            "re:x*",
            "re:LINUX",
            "sha256:f39 amd64",
            "digest:e409",
            "tag:1.4 locked:no",
        ] {
            let query = Query::parse(q).unwrap();
            let by_row: Vec<usize> = (0..rows.len())
                .filter(|&i| query.matches(index.row(i), |k| index.field(i, k).map(str::to_string)))
                .collect();
            assert_eq!(query.filter_indexed(&index), by_row, "{q}");
        }
    }
}
