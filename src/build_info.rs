//! What this binary is: version, git commit, build date, target and compiler, as `build.rs`
//! recorded them. Shown by `acrdeck --version` and `acrdeck version [--output json]`, so an
//! operator can tell which build is on a jump box and match it to SHA256SUMS and the SBOM.

use serde::Serialize;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = env!("ACRDECK_GIT_COMMIT");
pub const BUILD_DATE: &str = env!("ACRDECK_BUILD_DATE");
pub const TARGET: &str = env!("ACRDECK_TARGET");
pub const RUSTC: &str = env!("ACRDECK_RUSTC");

/// `acrdeck --version`: the version on the first line, then one fact per line.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit:  ",
    env!("ACRDECK_GIT_COMMIT"),
    "\nbuilt:   ",
    env!("ACRDECK_BUILD_DATE"),
    "\ntarget:  ",
    env!("ACRDECK_TARGET"),
    "\nrustc:   ",
    env!("ACRDECK_RUSTC"),
);

#[derive(Debug, Serialize)]
pub struct BuildInfo {
    pub name: &'static str,
    pub version: &'static str,
    pub commit: &'static str,
    pub build_date: &'static str,
    pub target: &'static str,
    pub rustc: &'static str,
}

pub fn info() -> BuildInfo {
    BuildInfo {
        name: env!("CARGO_PKG_NAME"),
        version: VERSION,
        commit: COMMIT,
        build_date: BUILD_DATE,
        target: TARGET,
        rustc: RUSTC,
    }
}

/// The same facts as a table for `acrdeck version`.
pub fn text() -> String {
    format!("acrdeck {LONG_VERSION}\n")
}
