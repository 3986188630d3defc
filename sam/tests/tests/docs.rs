//! ARCHITECTURE.md stays a true map: every workspace member is in its code map, every Lambda
//! in the template is an entry point whose files exist, and the repository names no file
//! outside itself.

use std::path::{Path, PathBuf};

use sam_checks::{load_template, resources_of};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn architecture() -> String {
    std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap()
}

/// The section of the document under `## heading`, up to the next `## `.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no '## {heading}'"));
    let rest = &doc[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    &rest[..end]
}

fn workspace_members() -> Vec<String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("members"))
        .unwrap();
    line.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_workspace_member_is_in_the_code_map() {
    let doc = architecture();
    let map = section(&doc, "Code map");
    for member in workspace_members() {
        // A member is named by its folder, or (for nested ones) by its folder's parent row
        // naming the member's path.
        let named = map.contains(&format!("`{member}`")) || map.contains(&format!("`{member}/`"));
        assert!(
            named,
            "the code map does not name workspace member `{member}`"
        );
    }
}

#[test]
fn every_lambda_in_the_template_is_an_entry_point_whose_files_exist() {
    let doc = architecture();
    let entries = section(&doc, "Entry points");
    let t = load_template().unwrap();
    for (id, f) in resources_of(&t, "AWS::Serverless::Function") {
        let name = f["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| "edge".to_owned());
        assert!(
            entries.contains(&format!("`{name}`"))
                || entries.starts_with(&name)
                || entries.contains(&format!("| {name} ")),
            "{id} ({name}) is not in ARCHITECTURE.md's entry points"
        );
    }
    // Every file or folder the entry points name exists.
    for path in entries
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|p| p.contains('/') && !p.starts_with('/') && !p.contains(' '))
    {
        assert!(
            root().join(path).exists(),
            "entry point file {path} does not exist"
        );
    }
}

#[test]
fn the_repository_names_no_file_outside_itself() {
    let out = std::process::Command::new("git")
        .args([
            "grep",
            "-n",
            "-I",
            "-e",
            "../shared",
            "-e",
            "DESIGN.md",
            "--",
            ".",
            ":!sam/tests/tests/docs.rs",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    let hits = String::from_utf8_lossy(&out.stdout);
    assert!(
        hits.trim().is_empty(),
        "files outside the repository are named:\n{hits}"
    );
}
