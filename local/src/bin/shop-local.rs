//! `shop-local`: the whole Edge Shop on one machine (`make dev`).
//!
//! Starts the stand-ins, creates what the SAM template creates, loads the demo
//! catalogue, renders the site and serves it at http://127.0.0.1:3000 playing
//! CloudFront (the edge core on every request) and API Gateway (the function
//! routers behind a JWT check), with the table's stream feeding the stream
//! handlers. Ctrl-C stops everything it started.

use std::path::PathBuf;

use clap::Parser;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "shop-local",
    about = "Edge Shop on one machine, no AWS account needed"
)]
struct Args {
    /// Port of the shop's front door on 127.0.0.1.
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Keep the table (and the rendered site) in this folder between runs;
    /// the default is a fresh in-memory shop.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// No per-request log lines.
    #[arg(long)]
    quiet: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let opts = shop_local::stack::Options {
        port: args.port,
        data_dir: args.data_dir,
        quiet: args.quiet,
    };
    let shop = shop_local::app::Shop::start(&opts).await?;
    shop.print_banner();
    tokio::select! {
        r = shop.serve() => r?,
        _ = tokio::signal::ctrl_c() => println!("\nstopping: the stand-ins shut down with shop-local"),
    }
    Ok(())
}
