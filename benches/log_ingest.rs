//! Log ingestion: 50 MB of run-log lines (with ANSI colours, as ACR writes them) through the
//! line splitter into the log view's bounded ring, as the follower feeds it. Target:
//! over 50 MB/s with the process under 64 MB. Throughput is criterion's; memory is the peak of a
//! counting allocator, printed once. Run: `cargo bench --bench log_ingest`.

use acrdeck::acr::logs::LineSplitter;
use acrdeck::app::log_view::LogView;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const TOTAL: usize = 50 << 20;
/// The follower's reads: up to 4 MiB each, as a ranged GET returns them.
const READ: usize = 4 << 20;

/// One read's worth of realistic lines (timestamps, build output, coloured test results).
fn chunk() -> Vec<u8> {
    let mut out = Vec::with_capacity(READ);
    let mut i = 0u64;
    while out.len() < READ {
        let line = match i % 4 {
            0 => format!(
                "2026/11/22 12:00:{:02} Executing step ID: build-{i}. Timeout(sec): 28800\r\n",
                i % 60
            ),
            1 => format!("\x1b[32m✓ PASS\x1b[0m api.test.js › case {i} ({} ms)\r\n", i % 97),
            2 => format!(
                "Step {}/6 : RUN npm ci --no-audit --prefer-offline # layer {i:08x}\r\n",
                i % 6
            ),
            _ => format!(
                " ---> Running in {:012x}; added 214 packages, and audited 215 packages in 3s\r\n",
                i * 7919
            ),
        };
        out.extend_from_slice(line.as_bytes());
        i += 1;
    }
    out
}

/// Feeds 50 MB through the splitter into a view, like the follower and the update loop do.
fn ingest(read: &[u8]) -> LogView {
    let mut view = LogView::new("bench.azurecr.io".into(), "bench".into(), "cb1".into());
    let mut splitter = LineSplitter::default();
    let now = chrono::Utc::now();
    let mut fed = 0;
    while fed < TOTAL {
        let lines = splitter.push(read, 1 << 20);
        view.push(lines, now);
        fed += read.len();
    }
    view
}

fn bench(c: &mut Criterion) {
    let read = chunk();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let view = ingest(&read);
    let peak = PEAK.load(Ordering::Relaxed);
    println!(
        "log ingest: {} lines held of {} ({} MiB of text held); peak heap {:.1} MiB (target < 64 MiB)",
        view.lines.len(),
        view.lines.len() as u64 + view.dropped,
        view.held_bytes() >> 20,
        peak as f64 / (1 << 20) as f64
    );
    drop(view);
    let mut group = c.benchmark_group("log ingest");
    group.throughput(Throughput::Bytes(TOTAL as u64));
    group.sample_size(10);
    group.bench_function("50 MB of log lines into the view", |b| b.iter(|| ingest(&read).dropped));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
