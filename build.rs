//! Build facts for `acrdeck --version` and `acrdeck version`: the git commit, the build date,
//! the target and the compiler. The date is SOURCE_DATE_EPOCH when set (reproducible builds),
//! else the commit's own date, never the clock: the same commit builds the same binary.

use std::process::Command;

fn run(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-env-changed=ACRDECK_GIT_COMMIT");
    // A new commit changes HEAD or the branch it names.
    if let Some(git_dir) = run("git", &["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={git_dir}/HEAD");
        if let Some(head) = run("git", &["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={git_dir}/{head}");
        }
        println!("cargo:rerun-if-changed={git_dir}/packed-refs");
    }
    // A source tarball has no .git: its builder names the commit.
    let commit = std::env::var("ACRDECK_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| run("git", &["rev-parse", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .filter(|e| !e.is_empty())
        .or_else(|| run("git", &["log", "-1", "--format=%ct"]));
    let date = epoch
        .and_then(|e| e.parse::<i64>().ok())
        .map(utc_date)
        .unwrap_or_else(|| "unknown".into());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = run(&rustc, &["--version"]).unwrap_or_else(|| "unknown".into());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=ACRDECK_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=ACRDECK_BUILD_DATE={date}");
    println!("cargo:rustc-env=ACRDECK_TARGET={target}");
    println!("cargo:rustc-env=ACRDECK_RUSTC={rustc_version}");
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, Howard Hinnant's algorithm),
/// so the build script needs no dependency.
fn utc_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}
