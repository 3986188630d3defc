//! `shop-site`: render the catalogue site, publish it, and measure it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use flate2::Compression;
use flate2::write::GzEncoder;
use indicatif::{ProgressBar, ProgressStyle};
use static_site::{SiteConfig, assets::Assets, catalogue, files, routes};

/// Edge Shop's catalogue site generator.
#[derive(Parser)]
#[command(name = "shop-site", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render the whole site into a directory (no AWS needed with --catalogue).
    Build {
        /// Catalogue JSON (an array of products), e.g. local/demo/catalogue.json.
        #[arg(long, conflicts_with = "table", required_unless_present = "table")]
        catalogue: Option<PathBuf>,
        /// Read the catalogue from this DynamoDB table instead (default AWS config/endpoint).
        #[arg(long)]
        table: Option<String>,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Site configuration (site.json); defaults otherwise.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Copy product images from this directory into <out>/images/.
        #[arg(long)]
        images: Option<PathBuf>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Upload a rendered directory to S3 (changed files only), delete stale
    /// objects, invalidate changed pages in CloudFront.
    Publish {
        /// The rendered directory.
        #[arg(long)]
        dir: PathBuf,
        /// The site bucket.
        #[arg(long)]
        bucket: String,
        /// The CloudFront distribution id.
        #[arg(long)]
        distribution_id: String,
        /// Path-style S3 addressing (for moto and other local stand-ins).
        #[arg(long)]
        path_style: bool,
    },
    /// Write a made-up catalogue of N products (for benchmarks).
    Generate {
        /// How many products.
        #[arg(long)]
        count: usize,
        /// Over how many categories.
        #[arg(long, default_value_t = 40)]
        categories: usize,
        /// Output JSON file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the gzip size of one product page with its CSS and scripts.
    Size {
        /// A rendered directory.
        #[arg(long)]
        dir: PathBuf,
        /// The product (default: the first product page found).
        #[arg(long)]
        sku: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Build {
            catalogue,
            table,
            out,
            config,
            images,
            quiet,
        } => build(catalogue, table, &out, config, images, quiet).await,
        Command::Publish {
            dir,
            bucket,
            distribution_id,
            path_style,
        } => publish(&dir, &bucket, &distribution_id, path_style).await,
        Command::Generate {
            count,
            categories,
            out,
        } => {
            let products = catalogue::generate(count, categories);
            let file = std::fs::File::create(&out).with_context(|| out.display().to_string())?;
            serde_json::to_writer(std::io::BufWriter::new(file), &products)?;
            println!("wrote {count} products to {}", out.display());
            Ok(())
        }
        Command::Size { dir, sku } => size(&dir, sku.as_deref()),
    }
}

async fn build(
    catalogue_file: Option<PathBuf>,
    table: Option<String>,
    out: &Path,
    config: Option<PathBuf>,
    images: Option<PathBuf>,
    quiet: bool,
) -> anyhow::Result<()> {
    let config = match config {
        Some(path) => SiteConfig::from_file(&path)?,
        None => SiteConfig::default(),
    };
    let products = match (catalogue_file, table) {
        (Some(file), _) => catalogue::load_file(&file)?,
        (None, Some(table)) => catalogue::load_table(&table).await?,
        (None, None) => anyhow::bail!("give --catalogue FILE or --table NAME"),
    };
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(products.len() as u64)
    };
    bar.set_style(ProgressStyle::with_template(
        "{spinner} product pages {bar:40} {pos}/{len} {per_sec} eta {eta}",
    )?);
    bar.enable_steady_tick(Duration::from_millis(200));
    let summary = static_site::render_site_with_progress(&products, &config, out, &|n| bar.inc(n))?;
    bar.finish_and_clear();
    if let Some(images) = images {
        let n = files::copy_tree(&images, &out.join("images"))?;
        println!("copied {n} images");
    }
    println!("{summary}");
    Ok(())
}

async fn publish(
    dir: &Path,
    bucket: &str,
    distribution_id: &str,
    path_style: bool,
) -> anyhow::Result<()> {
    let sdk = shop::config::sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(path_style)
            .build(),
    );
    let cloudfront = aws_sdk_cloudfront::Client::new(&sdk);
    let report = static_site::publish(&s3, &cloudfront, bucket, distribution_id, dir).await?;
    println!(
        "uploaded {}, unchanged {}, deleted {}, invalidated {} paths{}",
        report.uploaded.len(),
        report.unchanged,
        report.deleted.len(),
        report.invalidated.len(),
        report
            .invalidation_id
            .map(|id| format!(" ({id})"))
            .unwrap_or_default()
    );
    Ok(())
}

fn gzip_len(body: &[u8]) -> anyhow::Result<usize> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(body)?;
    Ok(enc.finish()?.len())
}

fn size(dir: &Path, sku: Option<&str>) -> anyhow::Result<()> {
    let page = match sku {
        Some(sku) => dir.join("p").join(sku).join("index.html"),
        None => files::list(&dir.join("p"))?
            .first()
            .map(|rel| dir.join("p").join(rel))
            .context("no product pages in the directory")?,
    };
    let html = std::fs::read(&page).with_context(|| page.display().to_string())?;
    let assets = Assets::get();
    let mut parts = vec![("html", html)];
    for logical in ["site.css", "lib.js", "app.js"] {
        let rel = routes::file_for(assets.url(logical));
        parts.push((
            logical,
            std::fs::read(dir.join(&rel)).with_context(|| rel.clone())?,
        ));
    }
    let mut raw = 0;
    let mut gz = 0;
    for (name, body) in &parts {
        let g = gzip_len(body)?;
        println!("  {name:<9} {:>7} bytes, {:>6} gzip", body.len(), g);
        raw += body.len();
        gz += g;
    }
    println!(
        "product page total: {raw} bytes, {gz} bytes gzip ({})",
        page.display()
    );
    Ok(())
}
