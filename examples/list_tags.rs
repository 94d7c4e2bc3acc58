//! Lists every tag of one repository with the shared ACR client and prints how long it took.
//! A plain use of the shared client; works against any acrdeck config.
//!
//! Usage: cargo run --release --example list_tags -- CONFIG REGISTRY REPOSITORY [PAGE_SIZE]

use acrdeck::acr::Acr;
use acrdeck::acr::paging::collect;
use acrdeck::acr::registry::TagOrder;
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, config, registry, repo, rest @ ..] = args.as_slice() else {
        return Err("usage: list_tags CONFIG REGISTRY REPOSITORY [PAGE_SIZE]".into());
    };
    let page: u32 = rest.first().and_then(|p| p.parse().ok()).unwrap_or(1000);
    let loaded = acrdeck::config::load_file(std::path::Path::new(config), true).map_err(|e| e.to_string())?;
    let acr = Acr::new(acrdeck::connect::settings(&loaded, true)?).map_err(|e| e.to_string())?;
    let client = acr.registry(registry).map_err(|e| e.to_string())?;
    // Sign in first: the benchmark measures the listing, not the token exchange.
    client.repository(repo).await.map_err(|e| e.to_string())?;
    let start = Instant::now();
    let listed = collect(client.tags(repo, TagOrder::NewestFirst, page)).await;
    let elapsed = start.elapsed();
    if let Some(e) = &listed.error {
        return Err(format!("listing cut short after {} tags: {e}", listed.items.len()));
    }
    println!("{} {} {:.3}", listed.items.len(), listed.pages, elapsed.as_secs_f64());
    Ok(())
}
