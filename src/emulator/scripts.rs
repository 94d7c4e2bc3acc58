//! What task runs write to their logs: the lines an ACR task agent prints (source download,
//! docker build steps, pushes, the closing "Run ID: ... was successful"), paced like a real run.
//! Lines carry ANSI colours where real build output does.

use chrono::{DateTime, Duration, Utc};

pub struct Script {
    pub lines: Vec<(DateTime<Utc>, String)>,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y/%m/%d %H:%M:%S").to_string()
}

/// The log of a build task: `test_lines` lines of test output over about `secs` seconds.
#[allow(clippy::too_many_arguments)]
pub fn build_log(
    run_id: &str,
    login_server: &str,
    image: &str,
    base: &str,
    (start, secs): (DateTime<Utc>, i64),
    test_lines: usize,
    fail: bool,
    pushed: &(String, usize),
) -> Script {
    let mut lines = Vec::new();
    let mut t = start;
    prelude(&mut lines, &mut t, run_id, login_server);
    build_steps(&mut lines, &mut t, base, secs, test_lines, fail);
    if fail {
        failed_build(&mut lines, &mut t, run_id, start);
    } else {
        push_steps(&mut lines, &mut t, (run_id, login_server, image, base), pushed, start);
    }
    Script { lines }
}

/// A script's lines, each with the time it is written.
type Lines = Vec<(DateTime<Utc>, String)>;

/// The source downloaded, Docker set up, the registry logged into, the build step started.
fn prelude(lines: &mut Lines, t: &mut DateTime<Utc>, run_id: &str, login_server: &str) {
    let mut push = |dt_ms: i64, text: String, t: &mut DateTime<Utc>| {
        *t += Duration::milliseconds(dt_ms);
        lines.push((*t, text));
    };
    push(0, format!("{} Downloading source code...", stamp(*t)), t);
    push(900, format!("{} Finished downloading source code", stamp(*t)), t);
    push(
        200,
        format!("{} Using acb_vol_{run_id} as the home volume", stamp(*t)),
        t,
    );
    push(300, format!("{} Setting up Docker configuration...", stamp(*t)), t);
    push(
        700,
        format!("{} Successfully set up Docker configuration", stamp(*t)),
        t,
    );
    push(100, format!("{} Logging in to registry: {login_server}", stamp(*t)), t);
    push(800, format!("{} Successfully logged into {login_server}", stamp(*t)), t);
    push(
        200,
        format!(
            "{} Executing step ID: build. Timeout(sec): 28800, Working directory: '', Network: ''",
            stamp(*t)
        ),
        t,
    );
    push(100, format!("{} Scanning for dependencies...", stamp(*t)), t);
    push(600, format!("{} Successfully scanned dependencies", stamp(*t)), t);
    push(100, format!("{} Launching container with name: build", stamp(*t)), t);
}

/// The Dockerfile's steps up to the tests, then the tests (the last one failing when `fail`).
fn build_steps(lines: &mut Lines, t: &mut DateTime<Utc>, base: &str, secs: i64, test_lines: usize, fail: bool) {
    let mut push = |dt_ms: i64, text: String, t: &mut DateTime<Utc>| {
        *t += Duration::milliseconds(dt_ms);
        lines.push((*t, text));
    };
    push(300, "Sending build context to Docker daemon  24.06kB".into(), t);
    push(200, format!("Step 1/6 : FROM {base}"), t);
    push(
        1200,
        format!(
            "{}: Pulling from {}",
            base.rsplit(':').next().unwrap_or("latest"),
            base.split(':').next().unwrap_or(base)
        ),
        t,
    );
    push(
        900,
        "Digest: sha256:ee6b8b1c0a8b4ad0a6a0f2b4e3c1d9e5a2c3b4d5e6f708192a3b4c5d6e7f8091".into(),
        t,
    );
    push(100, format!("Status: Downloaded newer image for {base}"), t);
    push(100, " ---> 7d0e1e1c4a2b".into(), t);
    push(200, "Step 2/6 : WORKDIR /app".into(), t);
    push(300, "Step 3/6 : COPY package*.json ./".into(), t);
    push(400, "Step 4/6 : RUN npm ci".into(), t);
    push(
        2500,
        "\x1b[32madded 214 packages\x1b[0m, and audited 215 packages in 3s".into(),
        t,
    );
    push(300, "Step 5/6 : RUN npm test".into(), t);
    let budget = (secs * 1000 - 18_000).max(test_lines as i64 * 50);
    let per = budget / test_lines.max(1) as i64;
    for i in 0..test_lines {
        let suite = ["api", "render", "health", "config", "auth"][i % 5];
        let line = if fail && i + 1 == test_lines {
            format!("\x1b[31m✗ FAIL\x1b[0m {suite}.test.js › case {i}: expected 200, received 500")
        } else {
            format!(
                "\x1b[32m✓ PASS\x1b[0m {suite}.test.js › case {i} ({} ms)",
                3 + (i * 7) % 40
            )
        };
        push(per, line, t);
    }
}

/// The end of a run whose tests failed.
fn failed_build(lines: &mut Lines, t: &mut DateTime<Utc>, run_id: &str, start: DateTime<Utc>) {
    let mut push = |dt_ms: i64, text: String, t: &mut DateTime<Utc>| {
        *t += Duration::milliseconds(dt_ms);
        lines.push((*t, text));
    };
    push(
        300,
        "\x1b[31mnpm ERR! Test failed.  See above for more details.\x1b[0m".into(),
        t,
    );
    push(
        200,
        "The command '/bin/sh -c npm test' returned a non-zero code: 1".into(),
        t,
    );
    let elapsed = (*t - start).num_seconds();
    push(
        100,
        format!(
            "{} Container failed during run: build. No retries remaining.",
            stamp(*t)
        ),
        t,
    );
    push(100, "failed to run step ID: build: exit status 1".to_string(), t);
    push(
        100,
        format!("Run ID: {run_id} failed after {elapsed}s. Error: failed during run, err: exit status 1"),
        t,
    );
}

/// The image built, tagged, pushed, and the run's dependencies and success.
fn push_steps(
    lines: &mut Lines,
    t: &mut DateTime<Utc>,
    (run_id, login_server, image, base): (&str, &str, &str, &str),
    (digest, size): &(String, usize),
    start: DateTime<Utc>,
) {
    let mut push = |dt_ms: i64, text: String, t: &mut DateTime<Utc>| {
        *t += Duration::milliseconds(dt_ms);
        lines.push((*t, text));
    };
    push(300, "Step 6/6 : CMD [\"node\", \"server.js\"]".into(), t);
    push(200, "Successfully built 3f9c2a1b7e44".into(), t);
    push(100, format!("Successfully tagged {login_server}/{image}"), t);
    push(200, format!("{} Successfully executed container: build", stamp(*t)), t);
    push(
        100,
        format!(
            "{} Executing step ID: push. Timeout(sec): 3600, Working directory: '', Network: ''",
            stamp(*t)
        ),
        t,
    );
    push(
        100,
        format!("{} Pushing image: {login_server}/{image}, attempt 1", stamp(*t)),
        t,
    );
    push(
        1500,
        format!(
            "The push refers to repository [{login_server}/{}]",
            image.split(':').next().unwrap_or(image)
        ),
        t,
    );
    push(
        400,
        format!(
            "{}: digest: {digest} size: {size}",
            image.rsplit(':').next().unwrap_or("latest")
        ),
        t,
    );
    push(
        300,
        format!("{} Successfully pushed image: {login_server}/{image}", stamp(*t)),
        t,
    );
    let elapsed = (*t - start).num_seconds();
    push(
        100,
        format!(
            "{} Step ID: build marked as successful (elapsed time in seconds: {}.0)",
            stamp(*t),
            elapsed.saturating_sub(3)
        ),
        t,
    );
    push(
        100,
        format!(
            "{} Step ID: push marked as successful (elapsed time in seconds: 2.0)",
            stamp(*t)
        ),
        t,
    );
    push(100, format!("{} The following dependencies were found:", stamp(*t)), t);
    push(
        100,
        format!(
            "- image:\n    registry: {login_server}\n    repository: {}\n  runtime-dependency:\n    registry: registry.hub.docker.com\n    repository: {}",
            image.split(':').next().unwrap_or(image),
            base
        ),
        t,
    );
    push(200, format!("Run ID: {run_id} was successful after {elapsed}s"), t);
}

/// The log of the gated import: inspect the upstream image, refuse it when BACKGROUND_COLOR is
/// Red, import it otherwise.
pub fn gated_import_log(
    run_id: &str,
    source: &str,
    target: &str,
    color: Option<&str>,
    login_server: &str,
    start: DateTime<Utc>,
) -> (Script, bool) {
    let mut lines = Vec::new();
    let mut t = start;
    let mut push = |dt_ms: i64, text: String, t: &mut DateTime<Utc>| {
        *t += Duration::milliseconds(dt_ms);
        lines.push((*t, text));
    };
    push(
        0,
        format!(
            "{} Executing step ID: gate. Timeout(sec): 600, Working directory: '', Network: ''",
            stamp(t)
        ),
        &mut t,
    );
    push(600, format!("{} Launching container with name: gate", stamp(t)), &mut t);
    push(900, format!("Pulling {source} to inspect its configuration"), &mut t);
    let color = color.unwrap_or("unset");
    push(1200, format!("BACKGROUND_COLOR={color}"), &mut t);
    let ok = !color.eq_ignore_ascii_case("red");
    if !ok {
        push(
            300,
            "\x1b[31mGate failed: BACKGROUND_COLOR is Red; the base image is not imported.\x1b[0m".into(),
            &mut t,
        );
        let elapsed = (t - start).num_seconds().max(1);
        push(
            100,
            format!("{} Container failed during run: gate. No retries remaining.", stamp(t)),
            &mut t,
        );
        push(
            100,
            format!("Run ID: {run_id} failed after {elapsed}s. Error: failed during run, err: exit status 1"),
            &mut t,
        );
        return (Script { lines }, false);
    }
    push(300, "\x1b[32mGate passed.\x1b[0m".into(), &mut t);
    push(
        200,
        format!("{} Executing step ID: import. Timeout(sec): 600", stamp(t)),
        &mut t,
    );
    push(
        1500,
        format!("az acr import --name {login_server} --source {source} --image {target} --force"),
        &mut t,
    );
    push(1800, format!("Imported {source} as {login_server}/{target}"), &mut t);
    let elapsed = (t - start).num_seconds().max(1);
    push(100, format!("Run ID: {run_id} was successful after {elapsed}s"), &mut t);
    (Script { lines }, true)
}

/// The log of a validation run of `image` (`repo@digest`): a test suite that passes or fails.
pub fn validate_log(run_id: &str, image: &str, pass: bool, start: DateTime<Utc>) -> Script {
    let mut lines = Vec::new();
    let mut t = start;
    let mut push = |dt_ms: i64, text: String, t: &mut DateTime<Utc>| {
        *t += Duration::milliseconds(dt_ms);
        lines.push((*t, text));
    };
    push(
        0,
        format!("{} Executing step ID: validate. Timeout(sec): 600", stamp(t)),
        &mut t,
    );
    push(700, format!("Pulling {image}"), &mut t);
    for (i, suite) in ["health", "contract", "vulnerability scan"].iter().enumerate() {
        let failed_here = !pass && i == 2;
        let verdict = if failed_here { "FAIL" } else { "PASS" };
        push(1500, format!("{verdict} {suite}"), &mut t);
    }
    if pass {
        push(200, format!("{} Successfully validated {image}", stamp(t)), &mut t);
        push(
            100,
            format!(
                "Run ID: {run_id} was successful after {}s",
                (t - start).num_seconds().max(1)
            ),
            &mut t,
        );
    } else {
        push(
            200,
            "\x1b[31mValidation failed: 1 critical finding; the image must not be promoted.\x1b[0m".into(),
            &mut t,
        );
        push(
            100,
            format!(
                "Run ID: {run_id} failed after {}s. Error: failed during run: validate",
                (t - start).num_seconds().max(1)
            ),
            &mut t,
        );
    }
    Script { lines }
}
