//! The site's settings: what differs between production, a local run and a test.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::SiteError;

/// Everything a render needs besides the catalogue.
///
/// Read from `site.json` (camelCase keys, every key optional) so the same
/// binary renders for production (real Stripe.js, CDN domain) and for
/// `shop-local` (localstripe's fake Stripe.js on loopback).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SiteConfig {
    /// Shown in the header, titles and Open Graph tags.
    pub site_name: String,
    /// Absolute origin the site is served from, without a trailing slash;
    /// used for canonical links, the sitemap, JSON-LD and Open Graph.
    pub base_url: String,
    /// Where the page loads Stripe.js from: `https://js.stripe.com/v3/` in
    /// production, `http://127.0.0.1:PORT/js.stripe.com/v3/` with localstripe.
    pub stripe_js_url: String,
    /// Stripe publishable key (`pk_…`) handed to `Stripe(…)` on the checkout page.
    pub stripe_publishable_key: String,
    /// Path prefix of the HTTP API the browser scripts call.
    pub api_base: String,
    /// Products per listing page and per "load more" step.
    pub page_size: usize,
    /// Widths (px) of resized raster image variants under `/images/w<width>/<key>`,
    /// offered in `srcset`. Vector images (SVG) are offered as they are.
    pub image_widths: Vec<u32>,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            site_name: "Edge Shop".to_owned(),
            base_url: "http://127.0.0.1:3000".to_owned(),
            stripe_js_url: "https://js.stripe.com/v3/".to_owned(),
            stripe_publishable_key: "pk_test_edgeshop".to_owned(),
            api_base: "/api".to_owned(),
            page_size: 24,
            image_widths: photos::WIDTHS.to_vec(),
        }
    }
}

impl SiteConfig {
    /// Reads a `site.json`; missing keys keep their defaults.
    pub fn from_file(path: &Path) -> Result<SiteConfig, SiteError> {
        let text = std::fs::read_to_string(path).map_err(|e| SiteError::io(path, e))?;
        let config: SiteConfig =
            serde_json::from_str(&text).map_err(|e| SiteError::json(path, e))?;
        config.validated()
    }

    /// Checks the values a page relies on and normalises the base URL.
    pub fn validated(mut self) -> Result<SiteConfig, SiteError> {
        while self.base_url.ends_with('/') {
            self.base_url.pop();
        }
        if !(self.base_url.starts_with("https://") || self.base_url.starts_with("http://")) {
            return Err(SiteError::Config(format!(
                "baseUrl must be an absolute http(s) origin, got {:?}",
                self.base_url
            )));
        }
        if self.page_size == 0 {
            return Err(SiteError::Config("pageSize must be at least 1".to_owned()));
        }
        if !self.api_base.starts_with('/') || self.api_base.ends_with('/') {
            return Err(SiteError::Config(format!(
                "apiBase must start with '/' and not end with one, got {:?}",
                self.api_base
            )));
        }
        Ok(self)
    }

    /// The absolute URL of a site path (`/p/X/` → `https://shop.example/p/X/`).
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}
