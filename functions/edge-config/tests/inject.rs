//! The package rewrite: config.json replaced, every other file kept byte for byte.

use std::io::{Cursor, Read, Write};

use edge_config::{CONFIG_FILE, inject_config};
use serde_json::json;

fn package(files: &[(&str, &[u8])]) -> anyhow::Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())?;
        w.write_all(body)?;
    }
    Ok(w.finish()?.into_inner())
}

fn read(zip_bytes: &[u8]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut a = zip::ZipArchive::new(Cursor::new(zip_bytes))?;
    let mut out = Vec::new();
    for i in 0..a.len() {
        let mut e = a.by_index(i)?;
        let mut body = Vec::new();
        e.read_to_end(&mut body)?;
        out.push((e.name()?.into_owned(), body));
    }
    Ok(out)
}

#[test]
fn replaces_config_and_keeps_the_rest() -> anyhow::Result<()> {
    let addon: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let pkg = package(&[
        ("index.mjs", b"export const handler = 1;"),
        ("edge.node", &addon),
        (CONFIG_FILE, b"{\"old\":true}"),
    ])?;
    let out = read(&inject_config(&pkg, &json!({"client_id": "c"}))?)?;
    let names: Vec<_> = out.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["index.mjs", "edge.node", CONFIG_FILE]);
    assert_eq!(out[1].1, addon);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out[2].1)?,
        json!({"client_id": "c"})
    );
    Ok(())
}

#[test]
fn adds_config_when_missing() -> anyhow::Result<()> {
    let pkg = package(&[("index.mjs", b"x")])?;
    let out = read(&inject_config(&pkg, &json!({}))?)?;
    assert_eq!(out.len(), 2);
    assert_eq!(out[1].0, CONFIG_FILE);
    Ok(())
}

/// The real bundle, when `make edge` has built it: still under Lambda@Edge's 1 MB.
#[test]
fn the_built_bundle_stays_small() -> anyhow::Result<()> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../edge/dist/edge.zip");
    let Ok(pkg) = std::fs::read(path) else {
        eprintln!("skipped: {path} not built");
        return Ok(());
    };
    let jwks = json!({"keys": [{"kty": "RSA", "kid": "k", "n": "x".repeat(342), "e": "AQAB"}]});
    let out = inject_config(&pkg, &json!({"jwks": jwks}))?;
    assert!(out.len() < 1024 * 1024, "{} bytes", out.len());
    Ok(())
}
