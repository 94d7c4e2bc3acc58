//! The search grammar of `/` in the dashboard (and of the headless commands' QUERY): words match
//! case-insensitive substrings of a row; `key:value` filters a column a table knows (`stage:prod`,
//! `locked:yes`, `status:failed`, `task:hello`, `digest:sha256:ab`); an unknown key falls back to
//! a plain word; `re:PATTERN` is a case-insensitive regular expression. All terms must match.

use regex::Regex;

#[derive(Debug, Clone)]
enum Term {
    Word(String),
    Field(String, String),
    Regex(Regex),
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
                let re = regex::RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .size_limit(1 << 20)
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
                terms.push(Term::Regex(re));
            } else if let Some((k, v)) = word.split_once(':').filter(|(k, v)| !k.is_empty() && !v.is_empty()) {
                terms.push(Term::Field(k.to_ascii_lowercase(), v.to_lowercase()));
            } else {
                terms.push(Term::Word(word.to_lowercase()));
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
            Term::Word(w) => text.contains(w.as_str()),
            Term::Regex(re) => re.is_match(text),
            Term::Field(k, v) => match field(k) {
                Some(actual) if k == "locked" => {
                    let want = matches!(v.as_str(), "yes" | "true" | "y" | "1");
                    (actual == "yes") == want
                }
                Some(actual) => actual.contains(v.as_str()),
                // Not a column of this table: the whole term is a plain word.
                None => text.contains(&format!("{k}:{v}")),
            },
        })
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
}
