//! One error type for the whole client. Its kind says what a caller can do about it; its message
//! says what failed, where (registry, repository, tag or ARM resource), the service's own code
//! and message, the request id to quote to support, and what to do. No secret ever appears in it:
//! URLs lose their query strings and tokens are never formatted.

use std::fmt;
use std::time::Duration;

/// What kind of failure, as a caller acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Signing in failed, or a token was refused (401).
    Auth,
    /// The identity lacks permission (403).
    Forbidden,
    NotFound,
    /// The request conflicts with the current state (409), e.g. an import onto an existing tag.
    Conflict,
    /// A lock refused the operation: REGISTRY_DISALLOWED_OPERATION (405).
    Locked,
    /// Throttled (429); wait this long before trying again, if the service said.
    Throttled {
        retry_after: Option<Duration>,
    },
    /// A passing failure: 5xx, a dropped connection, a timeout. Retried already.
    Transient,
    /// No whole answer within the deadline for one request (retries included): a server that
    /// accepts and never answers, or trickles. Not retried further.
    Deadline,
    /// A change was sent and its answer was lost (the connection dropped or timed out after the
    /// request went out): it may or may not have been carried out. Never sent again; the state
    /// is to be read back.
    OutcomeUnknown,
    /// The service answered something that cannot be understood (truncated or malformed).
    InvalidResponse,
    /// Refused before any network I/O because the client is read-only.
    ReadOnly,
    /// The request itself is wrong (400), or the client was configured wrongly.
    Invalid,
}

/// The client's error. Boxed so results stay small; its fields read through `Deref`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcrError(Box<ErrorDetails>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetails {
    pub kind: ErrorKind,
    /// What was being done: "list tags", "import image", "sign in".
    pub operation: String,
    /// Where: `contosoprod.azurecr.io/apps/web:1.4.0`, a resource id, a log link's host.
    pub target: String,
    pub status: Option<u16>,
    /// The service's error code (`REGISTRY_DISALLOWED_OPERATION`, `Conflict`, `AADSTS7000215`).
    pub code: Option<String>,
    /// The service's message, or the transport's.
    pub message: String,
    /// The service's request id (x-ms-request-id), to quote to Azure support.
    pub request_id: Option<String>,
    /// What to do in this caller's situation, said after the kind's general hint (e.g. which
    /// config entry would supply the missing credentials).
    pub advice: Option<String>,
}

impl AcrError {
    pub fn new(
        kind: ErrorKind,
        operation: impl Into<String>,
        target: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        AcrError(Box::new(ErrorDetails {
            kind,
            operation: operation.into(),
            target: target.into(),
            status: None,
            code: None,
            message: message.into(),
            request_id: None,
            advice: None,
        }))
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ErrorKind::Transient | ErrorKind::Throttled { .. })
    }

    /// What an operator should do about this kind of failure.
    pub fn hint(&self) -> &'static str {
        match &self.kind {
            ErrorKind::Auth if self.code.as_deref() == Some("AADSTS700027") => {
                "The application does not know this certificate: upload it to the app registration \
                 (`az ad app credential reset --id APP --cert @FILE --append`), or point [auth] \
                 certificate_file at one it knows (the log names the thumbprint sent)"
            }
            ErrorKind::Auth => {
                "Check the sign-in method in the config ([auth]) and that the identity is valid; with azure-cli, run `az login` again"
            }
            ErrorKind::Forbidden => {
                "Grant the identity a role on this resource (AcrPull / AcrPush / Container Registry Contributor), or use another identity"
            }
            ErrorKind::NotFound => "Check the name; it may have been deleted, or be hidden by listEnabled=false",
            ErrorKind::Conflict => {
                "The target already exists or changed meanwhile; re-read it, then decide whether to overwrite (Force)"
            }
            ErrorKind::Locked => "It is locked (changeableAttributes); unlock it first if the change is intended",
            ErrorKind::Throttled { .. } => {
                "The registry is throttling requests; acrdeck backs off by itself, try again shortly or lower the refresh rate"
            }
            ErrorKind::Transient => {
                "The service or the network failed for a moment; acrdeck retried; check connectivity (proxy, private endpoint) if it persists"
            }
            ErrorKind::Deadline => {
                "The service did not answer in time: check that its endpoint is reachable from here (proxy, private endpoint, firewall); [network] deadline_secs sets how long one request may take"
            }
            ErrorKind::OutcomeUnknown => {
                "The change was sent but its answer was lost, so it may have been carried out: read the state back (refresh the pane) before trying again"
            }
            ErrorKind::InvalidResponse => {
                "The answer was cut short or malformed; retry, and check any proxy in between"
            }
            ErrorKind::ReadOnly => {
                "acrdeck runs read-only (--readonly or [ui] readonly); restart without it to make changes"
            }
            ErrorKind::Invalid => "Correct the request or the configuration and try again",
        }
    }
}

impl std::ops::Deref for AcrError {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl std::ops::DerefMut for AcrError {
    fn deref_mut(&mut self) -> &mut ErrorDetails {
        &mut self.0
    }
}

impl fmt::Display for AcrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            // Not a failure: nobody knows yet whether it happened.
            ErrorKind::OutcomeUnknown => write!(f, "{} on {}: outcome unknown", self.operation, self.target)?,
            _ => write!(f, "{} failed on {}", self.operation, self.target)?,
        }
        match (&self.code, self.status) {
            (Some(code), Some(status)) => write!(f, ": {code} (HTTP {status})")?,
            (Some(code), None) => write!(f, ": {code}")?,
            (None, Some(status)) => write!(f, ": HTTP {status}")?,
            (None, None) => {}
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message.trim_end_matches('.'))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        write!(f, ". {}.", self.hint())?;
        if let Some(advice) = &self.advice {
            write!(f, " {advice}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AcrError {}

/// Why something acrdeck was asked to do did not happen, as the layers above the client carry
/// it: the client's error kept whole (so its kind and the service's code can be matched, never
/// its text), or a reason of acrdeck's own (no client could be built, no audit trail, a digest
/// that does not match what was approved).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Client(#[from] AcrError),
    #[error("{0}")]
    Reason(String),
}

impl Failure {
    /// The service's error code (`SourceCredentialsRequired`, `TAG_IS_LOCKED`…), when the service
    /// gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Failure::Client(e) => e.code.as_deref(),
            Failure::Reason(_) => None,
        }
    }

    pub fn kind(&self) -> Option<&ErrorKind> {
        match self {
            Failure::Client(e) => Some(&e.kind),
            Failure::Reason(_) => None,
        }
    }

    /// A change whose outcome nobody knows: sent, its answer lost, and reading the state back
    /// could not settle it.
    pub fn is_outcome_unknown(&self) -> bool {
        self.kind() == Some(&ErrorKind::OutcomeUnknown)
    }
}

impl From<String> for Failure {
    fn from(reason: String) -> Failure {
        Failure::Reason(reason)
    }
}

impl From<&str> for Failure {
    fn from(reason: &str) -> Failure {
        Failure::Reason(reason.to_string())
    }
}

pub type Result<T> = std::result::Result<T, AcrError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_what_where_code_and_what_to_do() {
        let mut e = AcrError::new(
            ErrorKind::Locked,
            "delete tag",
            "contosoprod.azurecr.io/apps/web:1.4.0",
            "The operation is disallowed on this registry, repository or image.",
        );
        e.status = Some(405);
        e.code = Some("REGISTRY_DISALLOWED_OPERATION".into());
        e.request_id = Some("abc".into());
        assert_eq!(
            e.to_string(),
            "delete tag failed on contosoprod.azurecr.io/apps/web:1.4.0: REGISTRY_DISALLOWED_OPERATION (HTTP 405): The operation is disallowed on this registry, repository or image [request id abc]. It is locked (changeableAttributes); unlock it first if the change is intended."
        );
    }
}
