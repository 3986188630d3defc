//! The routing table (`edge/routes.json`): which path pattern goes to which origin, what runs
//! at the viewer, who may pass, and which cache and response-headers policies apply. It is
//! compiled in, so the edge's access rules ([`Config::rules`](crate::Config)'s default) are
//! the table's; `shop-local` dispatches by it, the edge-config custom resource writes its rules,
//! and a sam-checks test holds `sam/template.yaml`'s behaviours to it.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::{Access, Rule};

/// The table as shipped in the repository.
pub const ROUTES_JSON: &str = include_str!("../routes.json");

/// What runs at the viewer for a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Viewer {
    /// Nothing: CloudFront goes straight to its cache and the origin.
    None,
    /// The CloudFront Function `edge/viewer-function/index.js` (directory index, canonical paths).
    CloudfrontFunction,
    /// The Lambda@Edge auth function (the [`decide`](crate::decide) core).
    EdgeAuth,
}

/// One row: a CloudFront path pattern and what happens to requests it matches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// CloudFront path pattern (`*` any run of characters, `?` one); `*` alone is the default.
    pub path: String,
    /// `site` or `api`.
    pub origin: String,
    /// What runs at the viewer.
    pub viewer: Viewer,
    /// Who may pass.
    pub access: Access,
    /// Key of [`RoutingTable::cache_policies`].
    pub cache: String,
    /// Key of [`RoutingTable::header_policies`].
    pub headers: String,
}

/// A cache policy: a managed one by id, or one of the template's resources.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CachePolicy {
    /// Id of an AWS-managed policy.
    #[serde(default)]
    pub managed: Option<String>,
    /// Its name, for people.
    #[serde(default)]
    pub name: Option<String>,
    /// Logical id of a policy in the template.
    #[serde(default)]
    pub resource: Option<String>,
}

/// A response-headers policy: the template resource and the headers it sets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderPolicy {
    /// Logical id of the `AWS::CloudFront::ResponseHeadersPolicy`.
    pub resource: String,
    /// Header (lower-case) → value, with `{placeholders}`.
    pub headers: BTreeMap<String, String>,
}

/// The whole table.
#[derive(Debug, Clone, Deserialize)]
pub struct RoutingTable {
    /// Origin id → what it is.
    pub origins: BTreeMap<String, String>,
    /// The rows, in CloudFront's behaviour order; the last is `*`.
    pub routes: Vec<Route>,
    /// Named cache policies.
    pub cache_policies: BTreeMap<String, CachePolicy>,
    /// Named response-headers policies.
    pub header_policies: BTreeMap<String, HeaderPolicy>,
    /// Placeholder values in AWS (CloudFormation `${...}` substitutions allowed).
    pub aws: BTreeMap<String, String>,
}

impl RoutingTable {
    /// The table shipped in the repository (checked by this crate's tests).
    pub fn builtin() -> RoutingTable {
        serde_json::from_str(ROUTES_JSON).expect("edge/routes.json is a valid routing table")
    }

    /// The first route matching a request path (as CloudFront matches behaviours).
    pub fn route_for(&self, path: &str) -> &Route {
        self.routes
            .iter()
            .find(|r| r.path == "*" || glob(&r.path, path))
            .unwrap_or_else(|| &self.routes[self.routes.len() - 1])
    }

    /// The edge's access rules: every row but the default, in order, `group:admin` read as
    /// `group:<admin_group>`.
    pub fn rules(&self, admin_group: &str) -> Vec<Rule> {
        self.routes
            .iter()
            .filter(|r| r.path != "*")
            .map(|r| Rule {
                path: r.path.clone(),
                access: match &r.access {
                    Access::Group(g) if g == "admin" => Access::Group(admin_group.to_owned()),
                    other => other.clone(),
                },
            })
            .collect()
    }

    /// A header policy's headers with `{placeholders}` filled from `values`.
    pub fn headers(
        &self,
        policy: &str,
        values: &BTreeMap<String, String>,
    ) -> Vec<(String, String)> {
        self.header_policies
            .get(policy)
            .map(|p| {
                p.headers
                    .iter()
                    .map(|(k, v)| (k.clone(), fill(v, values)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Replaces every `{name}` whose name is in `values`.
pub fn fill(template: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = template.to_owned();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// CloudFront's path-pattern match: `*` any run of characters (`/` included), `?` exactly one,
/// case-sensitive.
pub fn glob(pattern: &str, path: &str) -> bool {
    let (p, s) = (pattern.as_bytes(), path.as_bytes());
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_and_ends_with_the_default() {
        let t = RoutingTable::builtin();
        assert_eq!(t.routes.last().map(|r| r.path.as_str()), Some("*"));
        for r in &t.routes {
            assert!(t.origins.contains_key(&r.origin), "{}", r.path);
            assert!(t.cache_policies.contains_key(&r.cache), "{}", r.path);
            assert!(t.header_policies.contains_key(&r.headers), "{}", r.path);
        }
    }

    #[test]
    fn paths_meet_their_behaviour() {
        let t = RoutingTable::builtin();
        for (path, want) in [
            ("/", "*"),
            ("/p/SKU-1/", "*"),
            ("/account", "*"),
            ("/account/", "/account/*"),
            ("/api/catalogue/stock", "/api/catalogue/*"),
            ("/api/stripe/webhook", "/api/stripe/webhook"),
            ("/api/admin/orders", "/api/admin/*"),
            ("/api/me", "/api/*"),
            ("/admin/orders/", "/admin/*"),
            ("/auth/signout", "/auth/*"),
        ] {
            assert_eq!(t.route_for(path).path, want, "{path}");
        }
        assert!(glob("/a?c/*", "/abc/x"));
        assert!(!glob("/a/*", "/A/x"));
    }

    #[test]
    fn rules_follow_the_table_with_the_stack_admin_group() {
        let rules = RoutingTable::builtin().rules("staff");
        assert!(
            rules
                .iter()
                .any(|r| r.path == "/admin/*" && r.access == Access::Group("staff".into()))
        );
        assert!(rules.iter().all(|r| r.path != "*"));
    }
}
