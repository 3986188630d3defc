//! Rendering the catalogue to a directory: the whole site ([`render_site`])
//! or just the pages one product change touches ([`render_product_change`]).
//!
//! Invariant: a page's bytes depend only on the catalogue, the configuration
//! and this binary's templates and assets, so rendering twice gives identical
//! files and publishing can compare content hashes.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use shop::{Category, Product, ProductStatus};

use crate::assets::Assets;
use crate::config::SiteConfig;
use crate::error::SiteError;
use crate::pages::{self, Chrome};
use crate::routes;
use crate::view::{CategoryLink, ProductSummary, ProductView};

/// At most this many featured products on the home page.
pub const MAX_FEATURED: usize = 12;

/// Folders of the output directory (and of the bucket) that a render or a publish never
/// prunes: product images are copied or uploaded separately, and photo uploads wait in
/// `uploads/` until the admin API has checked them.
pub const KEPT_PREFIXES: &[&str] = &[photos::IMAGE_PREFIX, photos::UPLOAD_PREFIX];

/// What a render produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// HTML pages written.
    pub pages: usize,
    /// Files written (pages, JSON, assets, sitemap, robots).
    pub files: usize,
    /// Total bytes written.
    pub bytes: u64,
    /// Wall-clock time of the render.
    pub elapsed: Duration,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        write!(
            f,
            "{} pages, {} files, {} bytes in {:.2} s ({:.0} pages/s)",
            self.pages,
            self.files,
            self.bytes,
            secs,
            self.pages as f64 / secs.max(1e-9)
        )
    }
}

/// The catalogue arranged the way pages show it.
struct Catalogue<'a> {
    by_category: BTreeMap<&'a Category, Vec<&'a Product>>,
    /// Every category's link: its listing page and the breadcrumbs of its products.
    links: Vec<CategoryLink>,
    /// The categories with something on sale, for the menu and the home page. A category
    /// whose products are all retired keeps its listing (their pages link to it) but leaves
    /// the menu, instead of offering "0 products".
    menu: Vec<CategoryLink>,
    featured: Vec<&'a Product>,
}

impl<'a> Catalogue<'a> {
    fn new(products: &'a [Product]) -> Result<Catalogue<'a>, SiteError> {
        let mut seen = HashSet::with_capacity(products.len());
        let mut by_category: BTreeMap<&Category, Vec<&Product>> = BTreeMap::new();
        for p in products {
            if !seen.insert(&p.sku) {
                return Err(SiteError::Catalogue(format!("duplicate SKU {}", p.sku)));
            }
            by_category.entry(&p.category).or_default().push(p);
        }
        for list in by_category.values_mut() {
            list.sort_by(|a, b| listing_order(a, b));
        }
        // Listings show what is on sale: retired products keep their page
        // (marked unavailable) and a search entry, but leave listings and counts.
        let links: Vec<CategoryLink> = by_category
            .iter()
            .map(|(c, list)| CategoryLink::new(c, list.iter().filter(|p| listed(p)).count()))
            .collect();
        let menu = links.iter().filter(|l| l.count > 0).cloned().collect();
        let mut featured: Vec<&Product> = products
            .iter()
            .filter(|p| p.featured && p.status == ProductStatus::Active)
            .collect();
        featured.sort_by(|a, b| listing_order(a, b));
        featured.truncate(MAX_FEATURED);
        Ok(Catalogue {
            by_category,
            links,
            menu,
            featured,
        })
    }

    fn link(&self, c: &Category) -> Option<&CategoryLink> {
        self.links.iter().find(|l| &l.slug == c)
    }
}

/// Whether a product appears in category listings (not retired).
fn listed(p: &Product) -> bool {
    p.status != ProductStatus::Retired
}

/// The categories the menu shows for these products: those listing at least one.
fn menu_of<'a>(products: impl Iterator<Item = &'a Product>) -> BTreeSet<&'a Category> {
    products
        .filter(|p| listed(p))
        .map(|p| &p.category)
        .collect()
}

/// Listing order: retired last, then by name in natural order ("Bowl 2"
/// before "Bowl 10", as the listing script sorts), then SKU (stable across renders).
fn listing_order(a: &Product, b: &Product) -> std::cmp::Ordering {
    let retired = |p: &Product| p.status == ProductStatus::Retired;
    retired(a)
        .cmp(&retired(b))
        .then_with(|| crate::view::natural_cmp(&a.name, &b.name))
        .then_with(|| a.sku.cmp(&b.sku))
}

/// How [`Output`] treats a file that already exists.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Write every file (full builds: fastest).
    Overwrite,
    /// Write only files whose bytes differ, and remember them.
    IfChanged,
}

/// The output directory, shared by the rendering threads.
struct Output {
    root: PathBuf,
    mode: Mode,
    /// Remember every file written (needed to prune stale files afterwards).
    track: bool,
    pages: AtomicUsize,
    files: AtomicUsize,
    bytes: AtomicU64,
    produced: Mutex<Vec<String>>,
    changed: Mutex<Vec<String>>,
}

impl Output {
    fn new(root: &Path, mode: Mode, track: bool) -> Output {
        Output {
            root: root.to_owned(),
            mode,
            track,
            pages: AtomicUsize::new(0),
            files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            produced: Mutex::new(Vec::new()),
            changed: Mutex::new(Vec::new()),
        }
    }

    /// Writes the file serving site path `path`.
    fn write(&self, path: &str, body: &[u8]) -> Result<(), SiteError> {
        let rel = routes::file_for(path);
        let file = self.root.join(&rel);
        let changed = match self.mode {
            Mode::Overwrite => true,
            Mode::IfChanged => fs::read(&file).map_or(true, |old| old != body),
        };
        if changed {
            if let Err(e) = fs::write(&file, body) {
                // Most files go in a directory of their own (`p/<sku>/`): make it, once.
                let Some(dir) = file.parent().filter(|_| e.kind() == ErrorKind::NotFound) else {
                    return Err(SiteError::io(&file, e));
                };
                fs::create_dir_all(dir).map_err(|e| SiteError::io(dir, e))?;
                fs::write(&file, body).map_err(|e| SiteError::io(&file, e))?;
            }
            if self.mode == Mode::IfChanged {
                lock(&self.changed).push(rel.clone());
            }
        }
        if rel.ends_with(".html") {
            self.pages.fetch_add(1, Ordering::Relaxed);
        }
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
        if self.track {
            lock(&self.produced).push(rel);
        }
        Ok(())
    }

    fn write_json(&self, path: &str, value: &impl Serialize) -> Result<(), SiteError> {
        let body = serde_json::to_vec(value).map_err(|e| SiteError::json(Path::new(path), e))?;
        self.write(path, &body)
    }

    fn summary(&self, started: Instant) -> Summary {
        Summary {
            pages: self.pages.load(Ordering::Relaxed),
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            elapsed: started.elapsed(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The items of a category's JSON file.
#[derive(Serialize)]
struct ListingData<'a> {
    items: Vec<ProductSummary<'a>>,
}

/// Renders the whole site for `products` into `out_dir` and removes files a
/// previous render left there that this one did not produce (except
/// [`KEPT_PREFIXES`]).
pub fn render_site(
    products: &[Product],
    config: &SiteConfig,
    out_dir: &Path,
) -> Result<Summary, SiteError> {
    render_site_with_progress(products, config, out_dir, &|_| {})
}

/// [`render_site`], calling `progress(n)` after every `n` product pages
/// (for a progress bar).
pub fn render_site_with_progress(
    products: &[Product],
    config: &SiteConfig,
    out_dir: &Path,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Summary, SiteError> {
    let started = Instant::now();
    // A fresh directory has nothing stale: skip walking it afterwards.
    let fresh = fs::read_dir(out_dir).map_or(true, |mut d| d.next().is_none());
    let out = Output::new(out_dir, Mode::Overwrite, !fresh);
    render_all(products, config, &out, progress)?;
    if !fresh {
        prune(out_dir, &lock(&out.produced))?;
    }
    Ok(out.summary(started))
}

fn render_all(
    products: &[Product],
    config: &SiteConfig,
    out: &Output,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), SiteError> {
    let cat = Catalogue::new(products)?;
    let chrome = Chrome::new(config, &cat.menu);
    write_assets(out)?;
    write_fixed_pages(&chrome, out)?;
    write_home(&chrome, &cat, out)?;
    for link in &cat.links {
        write_category(&chrome, &cat, &link.slug, out)?;
    }
    write_search_index(products, out)?;
    write_sitemap(config, &cat, out)?;
    out.write(routes::ROBOTS, pages::robots(config).as_bytes())?;
    out.write(routes::FAVICON, pages::FAVICON)?;

    // Product pages: the bulk of the work, spread over the cores.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = products.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = products
            .chunks(chunk)
            .map(|part| {
                let (chrome, cat) = (&chrome, &cat);
                s.spawn(move || -> Result<(), SiteError> {
                    let mut buf = String::with_capacity(16 * 1024);
                    for (i, p) in part.iter().enumerate() {
                        write_product(chrome, cat, p, out, &mut buf)?;
                        if i % 64 == 63 {
                            progress(64);
                        }
                    }
                    progress(part.len() as u64 % 64);
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
}

fn write_assets(out: &Output) -> Result<(), SiteError> {
    for a in Assets::get().all() {
        out.write(&a.path, a.body.as_bytes())?;
    }
    Ok(())
}

fn write_fixed_pages(chrome: &Chrome<'_>, out: &Output) -> Result<(), SiteError> {
    out.write(routes::CART, pages::cart(chrome)?.as_bytes())?;
    out.write(routes::CHECKOUT, pages::checkout(chrome)?.as_bytes())?;
    out.write(
        routes::CHECKOUT_DONE,
        pages::checkout_done(chrome)?.as_bytes(),
    )?;
    out.write(routes::ACCOUNT, pages::account(chrome, false)?.as_bytes())?;
    out.write(
        routes::ACCOUNT_ORDERS,
        pages::account(chrome, true)?.as_bytes(),
    )?;
    for (path, html) in crate::admin::pages(chrome)? {
        out.write(path, html.as_bytes())?;
    }
    out.write(routes::NOT_FOUND, pages::not_found(chrome)?.as_bytes())
}

fn write_home(chrome: &Chrome<'_>, cat: &Catalogue<'_>, out: &Output) -> Result<(), SiteError> {
    let featured: Vec<ProductView<'_>> = cat
        .featured
        .iter()
        .map(|p| ProductView::new(p, chrome.config))
        .collect();
    out.write(routes::HOME, pages::home(chrome, &featured)?.as_bytes())
}

fn write_category(
    chrome: &Chrome<'_>,
    cat: &Catalogue<'_>,
    slug: &Category,
    out: &Output,
) -> Result<(), SiteError> {
    let (Some(link), Some(list)) = (cat.link(slug), cat.by_category.get(slug)) else {
        return Ok(());
    };
    let cards: Vec<ProductView<'_>> = list
        .iter()
        .filter(|p| listed(p))
        .take(chrome.config.page_size)
        .map(|p| ProductView::new(p, chrome.config))
        .collect();
    out.write(&link.url, pages::category(chrome, link, &cards)?.as_bytes())?;
    let data = ListingData {
        items: list
            .iter()
            .filter(|p| listed(p))
            .map(|p| ProductSummary::new(p))
            .collect(),
    };
    out.write_json(&routes::category_data(slug), &data)
}

fn write_product(
    chrome: &Chrome<'_>,
    cat: &Catalogue<'_>,
    p: &Product,
    out: &Output,
    buf: &mut String,
) -> Result<(), SiteError> {
    let link = cat
        .link(&p.category)
        .ok_or_else(|| SiteError::Catalogue(format!("no category for {}", p.sku)))?;
    let v = ProductView::new(p, chrome.config);
    pages::product_into(buf, chrome, &v, link)?;
    out.write(&v.url, buf.as_bytes())
}

fn write_search_index(products: &[Product], out: &Output) -> Result<(), SiteError> {
    let mut items: Vec<ProductSummary<'_>> = products.iter().map(ProductSummary::new).collect();
    items.sort_by(|a, b| a.sku.cmp(b.sku));
    out.write_json(routes::SEARCH_INDEX, &ListingData { items })
}

fn write_sitemap(config: &SiteConfig, cat: &Catalogue<'_>, out: &Output) -> Result<(), SiteError> {
    // Products by SKU, not by category, so moving a product leaves it alone.
    let mut skus: Vec<&shop::Sku> = cat.by_category.values().flatten().map(|p| &p.sku).collect();
    skus.sort();
    let mut paths = vec![routes::HOME.to_owned()];
    paths.extend(cat.by_category.keys().map(|c| routes::category(c)));
    paths.extend(skus.into_iter().map(routes::product));
    out.write(routes::SITEMAP, pages::sitemap(config, &paths)?.as_bytes())
}

/// Deletes files under `root` not in `produced`, except [`KEPT_PREFIXES`].
fn prune(root: &Path, produced: &[String]) -> Result<(), SiteError> {
    let keep: HashSet<&str> = produced.iter().map(String::as_str).collect();
    for rel in crate::files::list(root)? {
        if !keep.contains(rel.as_str()) && !KEPT_PREFIXES.iter().any(|k| rel.starts_with(k)) {
            let file = root.join(&rel);
            fs::remove_file(&file).map_err(|e| SiteError::io(&file, e))?;
        }
    }
    Ok(())
}

/// Re-renders exactly the files that show `changed` after a change, given the
/// whole catalogue *after* the change and, if known, the product *before* it.
///
/// Touched: its product page, its category listing and category JSON (and
/// those of its old category if it moved), the home page if it is or was
/// featured or the category counts changed (moved or new), the search index, the sitemap when the product is new (`old`
/// is `None`), and the assets if missing. When the set of categories changed
/// (a new or emptied category changes every page's menu) the whole site is
/// re-rendered. Returns the relative paths of the files whose content
/// changed (as written to `out_dir`), sorted.
pub fn render_product_change(
    products: &[Product],
    changed: &Product,
    old: Option<&Product>,
    config: &SiteConfig,
    out_dir: &Path,
) -> Result<Vec<String>, SiteError> {
    let out = Output::new(out_dir, Mode::IfChanged, true);
    let cat = Catalogue::new(products)?;
    let current = products
        .iter()
        .find(|p| p.sku == changed.sku)
        .ok_or_else(|| {
            SiteError::Catalogue(format!(
                "changed product {} is not in the catalogue",
                changed.sku
            ))
        })?;
    let moved_from = old.map(|o| &o.category).filter(|c| **c != current.category);
    let new_category = cat
        .by_category
        .get(&current.category)
        .is_some_and(|l| l.len() == 1)
        && old.is_none_or(|o| o.category != current.category);
    let emptied_category = moved_from.is_some_and(|c| !cat.by_category.contains_key(c));
    // Every page carries the menu: a category entering or leaving it re-renders them all.
    let others = products.iter().filter(|p| p.sku != current.sku);
    let menu_changed = menu_of(products.iter()) != menu_of(others.chain(old));
    if new_category || emptied_category || menu_changed {
        render_all(products, config, &out, &|_| {})?;
        prune(out_dir, &lock(&out.produced))?;
    } else {
        let chrome = Chrome::new(config, &cat.menu);
        write_assets(&out)?;
        write_product(&chrome, &cat, current, &out, &mut String::new())?;
        write_category(&chrome, &cat, &current.category, &out)?;
        if let Some(c) = moved_from {
            write_category(&chrome, &cat, c, &out)?;
        }
        // The home page shows featured products and each category's count of listed
        // products: a new product, a move, a retirement or a return changes a count.
        let counts_changed =
            old.is_none_or(|o| listed(o) != listed(current)) || moved_from.is_some();
        if counts_changed || current.featured || old.is_some_and(|o| o.featured) {
            write_home(&chrome, &cat, &out)?;
        }
        write_search_index(products, &out)?;
        if old.is_none() {
            write_sitemap(config, &cat, &out)?;
        }
    }
    let mut changed_files = std::mem::take(&mut *lock(&out.changed));
    changed_files.sort();
    Ok(changed_files)
}
