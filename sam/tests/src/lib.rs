//! Reads `sam/template.yaml` into JSON, the way CloudFormation sees it.
//!
//! CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt a.b`, `!If`, ...) become their
//! long forms (`{"Ref": ...}`, `{"Fn::Sub": ...}`, `{"Fn::GetAtt": ["a", "b"]}`), so the
//! tests in `tests/` compare plain JSON values.

use std::path::PathBuf;

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};

/// Where the template lives.
pub fn template_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml")
}

/// Reads and converts the template.
pub fn load_template() -> anyhow::Result<Value> {
    let path = template_path();
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text)
}

/// Parses template text (YAML with CloudFormation tags) into long-form JSON.
pub fn parse(text: &str) -> anyhow::Result<Value> {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).context("template is not YAML")?;
    to_json(yaml)
}

fn to_json(v: serde_yaml::Value) -> anyhow::Result<Value> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(n)?,
        Y::String(s) => Value::String(s),
        Y::Sequence(seq) => Value::Array(seq.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => bail!("unsupported mapping key {other:?}"),
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let value = to_json(tagged.value)?;
            match name {
                "Ref" | "Condition" => json!({ name: value }),
                "GetAtt" => match value {
                    Value::String(s) => {
                        let (resource, attribute) = s
                            .split_once('.')
                            .with_context(|| format!("!GetAtt {s} has no attribute"))?;
                        json!({ "Fn::GetAtt": [resource, attribute] })
                    }
                    other => json!({ "Fn::GetAtt": other }),
                },
                _ => json!({ format!("Fn::{name}"): value }),
            }
        }
    })
}

/// The template's resources of one type: (logical id, resource).
pub fn resources_of<'a>(template: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    template["Resources"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, r)| r["Type"] == kind)
                .map(|(id, r)| (id.as_str(), r))
                .collect()
        })
        .unwrap_or_default()
}

/// Every string in a JSON value, with its path (for error messages).
pub fn strings(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((path.to_owned(), s.clone())),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                strings(x, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                strings(x, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_become_long_forms() -> anyhow::Result<()> {
        let v = parse("a: !Ref X\nb: !GetAtt T.StreamArn\nc: !Sub \"${X}\"\nd: !If [C, 1, 2]\n")?;
        assert_eq!(v["a"], json!({"Ref": "X"}));
        assert_eq!(v["b"], json!({"Fn::GetAtt": ["T", "StreamArn"]}));
        assert_eq!(v["c"], json!({"Fn::Sub": "${X}"}));
        assert_eq!(v["d"], json!({"Fn::If": ["C", 1, 2]}));
        Ok(())
    }
}
