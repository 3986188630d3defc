//! DEPLOYMENT.md's command blocks name only what exists (issue 16, item 15):
//! make targets of the Makefile, scripts of this repository and the flags
//! they read, cargo packages and bins and the flags those bins declare.
//! (The AWS and SAM CLIs' own flags are theirs; not checked here.)

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The shell command lines of the ```sh blocks, continuations joined.
fn command_lines(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in markdown.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_block = !in_block && trimmed == "```sh";
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        out.push(std::mem::take(&mut pending));
    }
    out
}

/// One line split into simple commands (at `&&`, `||`, `;`, `|`, parentheses),
/// comments dropped, each as whitespace-separated words.
fn commands(line: &str) -> Vec<Vec<String>> {
    let line = match line.find(" #") {
        Some(i) => &line[..i],
        None if line.starts_with('#') => "",
        None => line,
    };
    line.replace("&&", ";")
        .replace("||", ";")
        .replace(['|', '(', ')'], ";")
        .split(';')
        .map(|c| c.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|c| !c.is_empty())
        .collect()
}

/// The `[[bin]]`/`[package]` names and bin source paths of the workspace's crates.
fn bins_and_packages(root: &Path) -> (Vec<(String, PathBuf)>, Vec<String>) {
    let mut bins = Vec::new();
    let mut packages = Vec::new();
    let workspace = read(&root.join("Cargo.toml"));
    let list = workspace
        .split("members")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_default();
    let members: Vec<String> = list
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .filter(|m| root.join(m).join("Cargo.toml").exists())
        .collect();
    for member in members {
        let dir = root.join(&member);
        let manifest = read(&dir.join("Cargo.toml"));
        let mut section = String::new();
        let mut name: Option<String> = None;
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                section = line.to_owned();
                name = None;
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"').to_owned();
            match (section.as_str(), k.trim()) {
                ("[package]", "name") => packages.push(v),
                ("[[bin]]", "name") => name = Some(v),
                ("[[bin]]", "path") => {
                    if let Some(n) = name.take() {
                        bins.push((n, dir.join(v)));
                    }
                }
                _ => {}
            }
        }
    }
    (bins, packages)
}

/// What is wrong with one simple command, if anything.
fn problems(words: &[String], root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Some(first) = words.first() else {
        return out;
    };
    let flags = |from: usize| -> Vec<String> {
        words[from..]
            .iter()
            .filter(|w| w.starts_with("--"))
            .map(|w| w.split('=').next().unwrap_or(w).to_owned())
            .collect()
    };
    match first.as_str() {
        "make" => {
            let makefile = read(&root.join("Makefile"));
            for target in words[1..]
                .iter()
                .filter(|w| !w.starts_with('-') && !w.contains('='))
            {
                let defined = makefile
                    .lines()
                    .any(|l| l.starts_with(&format!("{target}:")));
                if !defined {
                    out.push(format!("make target `{target}` is not in the Makefile"));
                }
            }
        }
        "bash" | "sh" => out.extend(script_problems(&words[1..], root)),
        w if w.ends_with(".sh") => out.extend(script_problems(words, root)),
        "cargo" if words.get(1).map(String::as_str) == Some("run") => {
            let (bins, packages) = bins_and_packages(root);
            let after = |flag: &str| {
                words
                    .iter()
                    .position(|w| w == flag)
                    .and_then(|i| words.get(i + 1))
            };
            if let Some(p) = after("-p")
                && !packages.contains(p)
            {
                out.push(format!("no package `{p}`"));
            }
            if let Some(b) = after("--bin") {
                match bins.iter().find(|(n, _)| n == b) {
                    None => out.push(format!("no bin `{b}`")),
                    Some((_, src)) => {
                        let source = read(src);
                        let start = words
                            .iter()
                            .position(|w| w == "--")
                            .map_or(words.len(), |i| i + 1);
                        for flag in flags(start) {
                            let field =
                                format!("{}:", flag.trim_start_matches("--").replace('-', "_"));
                            if !source.contains(&field) {
                                out.push(format!("{b} has no flag {flag}"));
                            }
                        }
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn script_problems(words: &[String], root: &Path) -> Vec<String> {
    let Some(path) = words.first() else {
        return vec!["bash without a script".into()];
    };
    let file = root.join(path);
    if !file.is_file() {
        return vec![format!("no script {path}")];
    }
    let text = read(&file);
    words[1..]
        .iter()
        .filter(|w| w.starts_with('-'))
        .filter(|flag| !text.contains(flag.as_str()))
        .map(|flag| format!("{path} has no flag {flag}"))
        .collect()
}

#[test]
fn deployment_md_names_only_what_exists() {
    let root = root();
    let doc = read(&root.join("DEPLOYMENT.md"));
    let lines = command_lines(&doc);
    assert!(lines.len() >= 8, "too few command lines found: {lines:?}");
    let mut found = Vec::new();
    for line in &lines {
        for words in commands(line) {
            for p in problems(&words, &root) {
                found.push(format!("{p}  (in: {line})"));
            }
        }
    }
    assert!(found.is_empty(), "DEPLOYMENT.md:\n{}", found.join("\n"));
}

#[test]
fn the_checker_finds_what_does_not_exist() {
    let root = root();
    let doc = "```sh\nmake edge no-such-target\nbash sam/check.sh --fast --no-such-flag\n\
               bash sam/nothing.sh\ncargo run -p static-site --bin shop-site -- build \\\n  --config x --no-such-option y\n```\n";
    let found: Vec<String> = command_lines(doc)
        .iter()
        .flat_map(|l| commands(l))
        .flat_map(|w| problems(&w, &root))
        .collect();
    assert_eq!(
        found,
        vec![
            "make target `no-such-target` is not in the Makefile",
            "sam/check.sh has no flag --no-such-flag",
            "no script sam/nothing.sh",
            "shop-site has no flag --no-such-option",
        ],
        "{found:?}"
    );
}
