//! Edge Shop's catalogue site: prebuilt shopper pages a CDN serves, a few
//! small browser modules for what must be live, and publishing to S3 +
//! CloudFront.
//!
//! - [`render_site`] renders a whole catalogue to a directory;
//!   [`render_product_change`] re-renders just the files one product change
//!   touches (the catalogue publisher's job).
//! - [`publish`] uploads a rendered directory, only what changed, and
//!   invalidates the changed pages; [`publish_files`] does so for a list.
//! - [`admin`] renders the back office's page shells (`/admin/…`);
//! - [`routes`] knows every site path; [`pages`] holds the askama templates;
//!   [`assets`] the content-hashed scripts and style sheet.
//!
//! Product text is always escaped by the templates; prices are formatted by
//! [`shop::Money`]'s `Display`.

pub mod admin;
pub mod assets;
pub mod catalogue;
pub mod config;
pub mod error;
pub mod files;
pub mod pages;
pub mod publish;
pub mod render;
pub mod routes;
pub mod view;

pub use config::SiteConfig;
pub use error::SiteError;
pub use publish::{PublishReport, publish, publish_files};
pub use render::{Summary, render_product_change, render_site, render_site_with_progress};
