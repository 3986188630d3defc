//! The crate's error type.

use std::path::{Path, PathBuf};

/// Why rendering, loading or publishing failed.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A JSON file did not parse as expected.
    #[error("{path}: {source}")]
    Json {
        /// The file concerned.
        path: PathBuf,
        /// The parser's complaint.
        source: serde_json::Error,
    },
    /// A template failed to render.
    #[error("rendering {page}: {source}")]
    Template {
        /// The site path being rendered.
        page: String,
        /// Askama's error.
        source: askama::Error,
    },
    /// The site configuration is unusable.
    #[error("site configuration: {0}")]
    Config(String),
    /// The catalogue is unusable (e.g. a duplicate SKU).
    #[error("catalogue: {0}")]
    Catalogue(String),
    /// Reading the catalogue from the table failed.
    #[error("catalogue table: {0}")]
    Store(#[from] shop::StoreError),
    /// An S3 or CloudFront call failed.
    #[error("publish: {0}")]
    Publish(String),
}

impl SiteError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> SiteError {
        SiteError::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn json(path: &Path, source: serde_json::Error) -> SiteError {
        SiteError::Json {
            path: path.to_owned(),
            source,
        }
    }
}
