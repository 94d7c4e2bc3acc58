use std::fmt;
use std::path::PathBuf;

/// A configuration problem, located so the operator can go straight to it.
///
/// Rendered as one paragraph: where (file:line:col), which key, what is wrong, what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column; `None` when the problem is the file itself (unreadable).
    pub position: Option<(usize, usize)>,
    /// Dotted key path such as `stages[1].policy.lock_after`, when one applies.
    pub key: Option<String>,
    /// What is wrong, in the parser's or validator's words.
    pub problem: String,
    /// What to do about it.
    pub hint: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error in {}", self.path.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        if let Some(key) = &self.key {
            write!(f, " at key `{key}`")?;
        }
        write!(f, ": {}. {}", self.problem.trim_end_matches('.'), self.hint)
    }
}

impl std::error::Error for ConfigError {}
