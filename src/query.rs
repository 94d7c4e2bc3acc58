//! The search grammar of `/` in the dashboard (and of the headless commands' QUERY): words match
//! case-insensitive substrings of a row; `key:value` filters a column a table knows (`stage:prod`,
//! `locked:yes`, `status:failed`, `task:hello`, `digest:sha256:ab`); an unknown key falls back to
//! a plain word; `re:PATTERN` is a case-insensitive regular expression. All terms must match.

use regex::Regex;
use std::borrow::Cow;

#[derive(Debug, Clone)]
enum Term {
    /// A substring, with its searcher built once (SIMD; several times faster than `str::contains`
    /// over 100,000 rows).
    Word(Box<memchr::memmem::Finder<'static>>),
    Field(String, String),
    /// The pattern for one row, and the same in multi-line mode for a pass over a whole index.
    Regex(Regex, Regex),
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    terms: Vec<Term>,
}

impl Query {
    /// Parses a query; a bad regular expression is an error naming it.
    pub fn parse(text: &str) -> Result<Query, String> {
        let mut terms = Vec::new();
        for word in text.split_whitespace() {
            if let Some(pattern) = word.strip_prefix("re:") {
                // Rows are searched lower-cased, so only a pattern with capitals needs the
                // (slower) case-insensitive engine.
                let fold = pattern.chars().any(char::is_uppercase);
                let build = |multi_line: bool| {
                    regex::RegexBuilder::new(pattern)
                        .case_insensitive(fold)
                        .multi_line(multi_line)
                        .size_limit(1 << 20)
                        .build()
                };
                let re = build(false).map_err(|e| {
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
                let whole = build(true).map_err(|e| format!("`{pattern}`: {e}"))?;
                terms.push(Term::Regex(re, whole));
            } else if let Some((k, v)) = word.split_once(':').filter(|(k, v)| !k.is_empty() && !v.is_empty()) {
                terms.push(Term::Field(k.to_ascii_lowercase(), v.to_lowercase()));
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
        self.terms
            .iter()
            .all(|t| term_matches(t, text, &|k: &str| field(k).map(Cow::Owned)))
    }

    /// The rows of an index that match, in order. The first word (or regex) is found by one
    /// pass over the index's contiguous text (no pointer chasing through 100,000 rows); the
    /// other terms are then checked on the rows that are left, columns read from the index too.
    pub fn filter_indexed(&self, index: &SearchIndex) -> Vec<usize> {
        // A column of the index is checked first when there is one: its values lie side by side,
        // so a pass over every row is cheap and usually leaves few rows for the words. Otherwise
        // the first word (or else regex) picks the candidates in one pass over the text.
        let column_first = self
            .terms
            .iter()
            .position(|t| matches!(t, Term::Field(k, _) if index.field_names.contains(&k.as_str())));
        let first = column_first
            .or_else(|| self.terms.iter().position(|t| matches!(t, Term::Word(_))))
            .or_else(|| self.terms.iter().position(|t| matches!(t, Term::Regex(..))));
        let mut rows: Vec<usize> = match first.map(|i| &self.terms[i]) {
            Some(t @ Term::Field(..)) => (0..index.len())
                .filter(|&i| term_matches(t, index.row(i), &|key: &str| index.field(i, key).map(Cow::Borrowed)))
                .collect(),
            Some(Term::Word(f)) => index.rows_with(f.find_iter(index.text.as_bytes())),
            Some(Term::Regex(one, whole)) => {
                // One iterator over the whole text keeps the engine's state between matches
                // (a fresh search per row costs more than the matching).
                let mut rows: Vec<usize> = Vec::new();
                let mut spanning = false;
                let mut row_end = 0;
                let mut row = 0;
                for m in whole.find_iter(&index.text) {
                    if m.start() < row_end {
                        continue;
                    }
                    row = index.row_from(row, m.start());
                    row_end = index.starts[row + 1];
                    // A match that runs over a row's end (a pattern that can match a newline)
                    // sends the row to be checked alone below.
                    spanning |= m.end() > row_end - 1;
                    rows.push(row);
                }
                if spanning {
                    // Matches over row ends can hide matches inside rows: check every row alone.
                    rows = (0..index.len()).filter(|&i| one.is_match(index.row(i))).collect();
                }
                rows
            }
            _ => (0..index.len()).collect(),
        };
        let rest: Vec<&Term> = self
            .terms
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != first)
            .map(|(_, t)| t)
            .collect();
        if !rest.is_empty() {
            rows.retain(|&i| {
                let text = index.row(i);
                rest.iter()
                    .all(|t| term_matches(t, text, &|k: &str| index.field(i, k).map(Cow::Borrowed)))
            });
        }
        rows
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
        let mut text = String::new();
        let mut starts = vec![0];
        let mut fields = String::new();
        let mut field_starts = vec![0];
        for (row, values) in rows {
            for n in 0..names.len() {
                if let Some(v) = values.get(n) {
                    fields.push_str(&v.as_ref().to_lowercase());
                }
                field_starts.push(fields.len());
            }
            for c in row.as_ref().chars() {
                if c == '\n' {
                    text.push(' ');
                } else {
                    text.extend(c.to_lowercase());
                }
            }
            text.push('\n');
            starts.push(text.len());
        }
        SearchIndex {
            text,
            starts,
            field_names: names.to_vec(),
            fields,
            field_starts,
        }
    }

    /// Row `i`'s value of column `name`, if the index has that column.
    pub fn field(&self, i: usize, name: &str) -> Option<&str> {
        let n = self.field_names.iter().position(|f| *f == name)?;
        let k = i * self.field_names.len() + n;
        Some(&self.fields[self.field_starts[k]..self.field_starts[k + 1]])
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
        self.starts.len() - 1
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

fn term_matches<'a>(t: &Term, text: &str, field: &dyn Fn(&str) -> Option<Cow<'a, str>>) -> bool {
    {
        match t {
            Term::Word(w) => w.find(text.as_bytes()).is_some(),
            Term::Regex(re, _) => re.is_match(text),
            Term::Field(k, v) => match field(k) {
                Some(actual) if k == "locked" => {
                    let want = matches!(v.as_str(), "yes" | "true" | "y" | "1");
                    (actual == "yes") == want
                }
                Some(actual) => actual.contains(v.as_str()),
                // Not a column of this table: the whole term is a plain word.
                None => text.contains(&format!("{k}:{v}")),
            },
        }
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
        ] {
            let query = Query::parse(q).unwrap();
            let by_row: Vec<usize> = (0..rows.len())
                .filter(|&i| query.matches(index.row(i), |k| index.field(i, k).map(str::to_string)))
                .collect();
            assert_eq!(query.filter_indexed(&index), by_row, "{q}");
        }
    }
}
