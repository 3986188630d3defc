//! What must hold of `sam/template.yaml` (issue 9), checked without AWS.

use sam_checks::{load_template, resources_of, strings};
use serde_json::{Value, json};

const FUNCTION: &str = "AWS::Serverless::Function";

fn template() -> Value {
    match load_template() {
        Ok(t) => t,
        Err(e) => panic!("cannot read the template: {e:#}"),
    }
}

/// `{"Ref": id}` → id.
fn ref_target(v: &Value) -> Option<&str> {
    v.get("Ref").and_then(Value::as_str)
}

#[test]
fn every_function_has_a_policy() {
    let t = template();
    let functions = resources_of(&t, FUNCTION);
    assert!(
        functions.len() >= 3,
        "too few functions: {}",
        functions.len()
    );
    for (id, f) in functions {
        let p = &f["Properties"];
        let policies = p["Policies"].as_array().map_or(0, Vec::len);
        let role = p.get("Role").is_some();
        assert!(
            policies > 0 || role,
            "{id}: no Policies and no Role (SAM would give it a bare role)"
        );
        if let Some(role) = p.get("Role") {
            let role_id = role["Fn::GetAtt"][0].as_str().unwrap_or_default();
            let r = &t["Resources"][role_id];
            assert_eq!(
                r["Type"], "AWS::IAM::Role",
                "{id}: Role is not a role of this stack"
            );
            assert!(
                r["Properties"]["Policies"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty()),
                "{id}: its role has no inline policy"
            );
            assert!(
                r["Properties"].get("ManagedPolicyArns").is_none(),
                "{id}: managed policies are broader than it needs"
            );
        }
        for (path, s) in collect_strings(&p["Policies"]) {
            assert!(
                !s.ends_with(":*") || !path.contains("Action"),
                "{id}: {s} at {path}"
            );
        }
        // A "*" resource only for actions that have no resource (ListStreams) or with a
        // condition narrowing it (SES's From address).
        for policy in p["Policies"].as_array().into_iter().flatten() {
            for st in policy["Statement"].as_array().into_iter().flatten() {
                if st["Resource"] == "*" {
                    assert!(
                        st["Action"] == "dynamodb:ListStreams" || st.get("Condition").is_some(),
                        "{id}: unconditional Resource \"*\" for {}",
                        st["Action"]
                    );
                }
            }
        }
        // SAM policy templates like DynamoDBCrudPolicy grant Scan/DeleteItem/... too broadly.
        for policy in p["Policies"].as_array().into_iter().flatten() {
            assert!(
                policy.get("Statement").is_some(),
                "{id}: policy is not an explicit statement list: {policy}"
            );
        }
    }
}

/// The admin API's S3 calls are allowed where they go: the photo checks HEAD keys under
/// `uploads/` and `images/` (S3 wants `GetObject` for a HEAD) and read a missing key as 404,
/// which S3 answers only to a caller that may list the bucket (a HEAD has no `s3:prefix`, so
/// that permission carries no prefix condition). moto does not enforce IAM: only this test
/// would see a missing permission before AWS does.
#[test]
fn the_admin_api_may_read_the_photo_keys_it_checks() {
    let t = template();
    let statements: Vec<Value> = t["Resources"]["AdminApiFunction"]["Properties"]["Policies"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["Statement"].as_array().cloned().unwrap_or_default())
        .collect();
    let allows = |action: &str, resource: Value| {
        statements.iter().any(|st| {
            let actions = match &st["Action"] {
                Value::Array(a) => a.clone(),
                one => vec![one.clone()],
            };
            st["Effect"] == "Allow"
                && actions.contains(&json!(action))
                && st["Resource"] == resource
                && st.get("Condition").is_none()
        })
    };
    for prefix in ["uploads", "images"] {
        let objects = json!({ "Fn::Sub": format!("${{SiteBucket.Arn}}/{prefix}/*") });
        assert!(
            allows("s3:GetObject", objects.clone()),
            "GetObject on {prefix}/*"
        );
        assert!(allows("s3:PutObject", objects), "PutObject on {prefix}/*");
    }
    assert!(
        allows(
            "s3:ListBucket",
            json!({ "Fn::GetAtt": ["SiteBucket", "Arn"] })
        ),
        "ListBucket on the site bucket, unconditional (a missing photo is a 404)"
    );
}

fn collect_strings(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    strings(v, "", &mut out);
    out
}

#[test]
fn every_function_has_a_log_group_with_retention() {
    let t = template();
    let groups = resources_of(&t, "AWS::Logs::LogGroup");
    for (id, f) in resources_of(&t, FUNCTION) {
        let own = f["Properties"]["LoggingConfig"]["LogGroup"].clone();
        let group = match ref_target(&own) {
            Some(g) => groups.iter().find(|(gid, _)| *gid == g),
            // No LoggingConfig (Lambda@Edge): a group named after the function.
            None => groups.iter().find(|(_, g)| {
                g["Properties"]["LogGroupName"]["Fn::Sub"]
                    .as_str()
                    .is_some_and(|n| n.contains(&format!("${{{id}}}")))
            }),
        };
        let Some((gid, g)) = group else {
            panic!("{id}: no log group of its own")
        };
        assert!(
            g["Properties"].get("RetentionInDays").is_some(),
            "{id}: log group {gid} keeps logs forever"
        );
        if ref_target(&own).is_some() {
            assert_eq!(
                f["Properties"]["LoggingConfig"]["LogFormat"], "JSON",
                "{id}: logs are not JSON"
            );
        }
    }
}

#[test]
fn rust_functions_are_built_by_cargo_lambda_for_the_architecture_parameter() {
    let t = template();
    assert_eq!(t["Globals"]["Function"]["Runtime"], "provided.al2023");
    assert_eq!(t["Globals"]["Function"]["Handler"], "bootstrap");
    assert_eq!(t["Parameters"]["Architecture"]["Default"], "x86_64");
    let mut rust = 0;
    for (id, f) in resources_of(&t, FUNCTION) {
        if f["Metadata"]["BuildMethod"] != "rust-cargolambda" {
            continue;
        }
        rust += 1;
        let p = &f["Properties"];
        assert_eq!(
            p["CodeUri"], "..",
            "{id}: CodeUri is not the workspace root"
        );
        assert!(p.get("Runtime").is_none(), "{id}: overrides the runtime");
        assert_eq!(p["Architectures"], json!([{"Ref": "Architecture"}]), "{id}");
        assert!(
            f["Metadata"]["BuildProperties"]["Binary"].is_string(),
            "{id}: no Binary"
        );
    }
    assert!(rust >= 1);
}

#[test]
fn the_edge_function_follows_lambda_at_edge_rules() {
    let t = template();
    let edge = &t["Resources"]["EdgeFunction"]["Properties"];
    assert_eq!(edge["Runtime"], "nodejs22.x");
    assert_eq!(edge["Architectures"], json!(["x86_64"]));
    assert_eq!(edge["MemorySize"], 128);
    assert_eq!(edge["Timeout"], 5);
    assert!(
        edge.get("Environment").is_none(),
        "Lambda@Edge has no environment"
    );
    assert!(edge.get("Layers").is_none(), "Lambda@Edge has no layers");
    assert!(edge["AutoPublishAlias"].is_string());
    assert_eq!(edge["AutoPublishAliasAllProperties"], true);
    assert_eq!(edge["CodeUri"], "../edge/dist/edge.zip");
    let role = &t["Resources"]["EdgeFunctionRole"]["Properties"]["AssumeRolePolicyDocument"];
    assert!(role.to_string().contains("edgelambda.amazonaws.com"));
    // Every association runs the configured version, not SAM's unconfigured one.
    let dist = t["Resources"]["Distribution"]["Properties"]["DistributionConfig"].to_string();
    assert!(dist.contains(r#"{"Fn::GetAtt":["EdgeConfig","VersionArn"]}"#));
    assert!(
        !dist.contains("EdgeFunction"),
        "the distribution uses SAM's version"
    );
}

#[test]
fn stream_mappings_filter_report_failures_and_keep_what_failed() {
    let t = template();
    let mappings = resources_of(&t, "AWS::Lambda::EventSourceMapping");
    let mut patterns = Vec::new();
    for (id, m) in &mappings {
        let p = &m["Properties"];
        assert_eq!(
            p["EventSourceArn"],
            json!({"Fn::GetAtt": ["Table", "StreamArn"]}),
            "{id}"
        );
        let filters = p["FilterCriteria"]["Filters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(filters.len(), 1, "{id}: one filter on the key");
        let pattern: Value = serde_json::from_str(filters[0]["Pattern"].as_str().unwrap_or("null"))
            .unwrap_or(Value::Null);
        assert!(
            pattern["dynamodb"]["Keys"]["SK"]["S"].is_array(),
            "{id}: the filter is not on the sort key: {pattern}"
        );
        patterns.push((p["FunctionName"].clone(), pattern));
        assert_eq!(
            p["FunctionResponseTypes"],
            json!(["ReportBatchItemFailures"]),
            "{id}"
        );
        assert_eq!(p["BisectBatchOnFunctionError"], true, "{id}");
        let retries = p["MaximumRetryAttempts"].as_i64().unwrap_or(-1);
        assert!((0..=100).contains(&retries), "{id}: retries unbounded");
        let age = p["MaximumRecordAgeInSeconds"].as_i64().unwrap_or(-1);
        assert!((60..=86_400).contains(&age), "{id}: record age unbounded");
        let dest = &p["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"];
        let queue = dest[0].as_str().unwrap_or_default();
        assert_eq!(dest[1], "Arn", "{id}: no on-failure destination");
        assert_eq!(t["Resources"][queue]["Type"], "AWS::SQS::Queue", "{id}");
    }
    let order = json!({"dynamodb": {"Keys": {"SK": {"S": [{"prefix": "ORDER#"}]}}}});
    let product = json!({"dynamodb": {"Keys": {"SK": {"S": ["PRODUCT"]}}}});
    assert!(
        patterns.contains(&(json!({"Ref": "OrderEventsFunction"}), order)),
        "order-events: {patterns:?}"
    );
    if t["Resources"].get("CataloguePublisherFunction").is_some() {
        assert!(
            patterns.contains(&(json!({"Ref": "CataloguePublisherFunction"}), product)),
            "catalogue-publisher: {patterns:?}"
        );
    }
    // SAM's DynamoDB events would attach the broad AWSLambdaDynamoDBExecutionRole.
    for (id, f) in resources_of(&t, FUNCTION) {
        for (_, e) in f["Properties"]["Events"].as_object().into_iter().flatten() {
            assert_ne!(
                e["Type"], "DynamoDB",
                "{id}: use an explicit EventSourceMapping"
            );
        }
    }
}

#[test]
fn no_secret_is_inline() {
    let t = template();
    // A known key prefix followed by at least 12 key characters ("whsec_..." in a
    // description is fine, "whsec_3kd92jf..." is not).
    let looks_secret = |s: &str| {
        [
            "sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_", "AKIA", "ASIA",
        ]
        .iter()
        .any(|m| {
            s.match_indices(m).any(|(i, _)| {
                s[i + m.len()..]
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .count()
                    >= 12
            })
        }) || s.contains("-----BEGIN")
    };
    assert!(looks_secret("key: sk_test_4eC39HqLyjWDarjtT1zdp7dc"));
    assert!(!looks_secret("the signing secret (whsec_...)"));
    for (path, s) in collect_strings(&t) {
        assert!(!looks_secret(&s), "secret-looking value at {path}");
    }
    // Secrets come by name (SSM parameter), read at init: the environment only names them.
    for (id, f) in resources_of(&t, FUNCTION) {
        let env = f["Properties"]["Environment"]["Variables"].as_object();
        for (name, value) in env.into_iter().flatten() {
            let upper = name.to_uppercase();
            if ["SECRET", "PASSWORD", "TOKEN", "API_KEY", "PRIVATE"]
                .iter()
                .any(|w| upper.contains(w))
            {
                assert!(
                    upper.ends_with("_PARAM"),
                    "{id}: {name} carries a secret value"
                );
                let param = ref_target(value).unwrap_or_default();
                let default = t["Parameters"][param]["Default"].as_str().unwrap_or("/");
                assert!(
                    default.starts_with('/'),
                    "{id}: {name} is not a parameter name"
                );
            }
        }
    }
    for (name, p) in t["Parameters"].as_object().into_iter().flatten() {
        if name.contains("Secret") {
            let default = p["Default"].as_str().unwrap_or_default();
            assert!(
                default.is_empty() || default.starts_with('/'),
                "parameter {name} holds a value, not a name"
            );
        }
    }
}

#[test]
fn the_table_is_the_one_the_code_defines() {
    let t = template();
    let tables = resources_of(&t, "AWS::DynamoDB::Table");
    assert_eq!(tables.len(), 1, "one table");
    let mut props = tables[0].1["Properties"].clone();
    let Some(map) = props.as_object_mut() else {
        panic!("table has no properties")
    };
    assert_eq!(
        map.remove("PointInTimeRecoverySpecification"),
        Some(json!({"PointInTimeRecoveryEnabled": true}))
    );
    assert_eq!(
        map.remove("SSESpecification"),
        Some(json!({"SSEEnabled": true}))
    );
    assert_eq!(props, shop::store::table::cloudformation_properties());
}

#[test]
fn the_stack_has_alarms_for_what_can_go_wrong() {
    let t = template();
    let alarms: Vec<String> = resources_of(&t, "AWS::CloudWatch::Alarm")
        .iter()
        .map(|(_, a)| {
            let p = &a["Properties"];
            assert_eq!(p["AlarmActions"], json!([{"Ref": "AlarmTopic"}]));
            format!("{}{}", p["MetricName"], p["Metrics"])
        })
        .collect();
    for metric in [
        "Errors",
        "Throttles",
        "IteratorAge",
        "ApproximateNumberOfMessagesVisible",
        "5xx",
    ] {
        assert!(
            alarms.iter().any(|a| a.contains(metric)),
            "no alarm on {metric}"
        );
    }
    assert_eq!(resources_of(&t, "AWS::CloudWatch::Dashboard").len(), 1);
}

/// The `Fn::Sub` of a value as `(template string, variables)`.
fn sub_parts(v: &Value) -> (&str, Option<&serde_json::Map<String, Value>>) {
    match &v["Fn::Sub"] {
        Value::String(s) => (s.as_str(), None),
        Value::Array(a) => (
            a[0].as_str().expect("Fn::Sub string"),
            a.get(1).and_then(Value::as_object),
        ),
        other => panic!("expected Fn::Sub, got {other}"),
    }
}

#[test]
fn the_publisher_renders_for_the_deployed_site_not_the_local_one() {
    let t = template();
    let env =
        &t["Resources"]["CataloguePublisherFunction"]["Properties"]["Environment"]["Variables"];
    let site_config = &env["SITE_CONFIG"];
    assert_eq!(
        site_config, &t["Outputs"]["SiteConfig"]["Value"],
        "the SiteConfig output (read by sam/publish-site.sh) is what the publisher gets"
    );
    assert_eq!(
        site_config,
        &t["Resources"]["OrderEventsFunction"]["Properties"]["Environment"]["Variables"]["SITE_CONFIG"],
        "the emails name the shop and link to the site the publisher renders"
    );
    let (text, vars) = sub_parts(site_config);
    let vars = vars.expect("SiteBase is defined in the Fn::Sub");
    assert!(vars.contains_key("SiteBase"), "{vars:?}");
    assert!(t["Parameters"]["StripePublishableKey"].is_object());
    let shop_name = &t["Parameters"]["ShopName"];
    assert_eq!(shop_name["Default"], "Edge Shop");
    // What CloudFormation would substitute at deploy time.
    let json = text
        .replace("${SiteBase}", "https://d111111abcdef8.cloudfront.net")
        .replace("${ShopName}", "Tea & Things")
        .replace("${StripePublishableKey}", "pk_live_51Hx");
    assert!(!json.contains("${"), "unresolved variable in {json}");
    let config = stream_handlers::catalogue_publisher::site_config_from(|k| {
        (k == "SITE_CONFIG").then(|| json.clone())
    })
    .expect("the publisher accepts the template's SITE_CONFIG");
    assert_eq!(config.base_url, "https://d111111abcdef8.cloudfront.net");
    assert_eq!(config.stripe_publishable_key, "pk_live_51Hx");
    assert_eq!(config.stripe_js_url, "https://js.stripe.com/v3/");
    assert_eq!(config.site_name, "Tea & Things");
    let letterhead = stream_handlers::order_events::letterhead(&config);
    assert_eq!(letterhead.shop_name, "Tea & Things");
    assert_eq!(
        letterhead.order_link("01JD5ZQ7X3K9M2N4P6R8T0V2W4"),
        "https://d111111abcdef8.cloudfront.net/checkout/done/?order=01JD5ZQ7X3K9M2N4P6R8T0V2W4"
    );
    assert_eq!(
        letterhead.back_office_link("01JD5ZQ7X3K9M2N4P6R8T0V2W4"),
        "https://d111111abcdef8.cloudfront.net/admin/orders/?order=01JD5ZQ7X3K9M2N4P6R8T0V2W4"
    );
    // The name goes into that JSON as it is: the parameter refuses what would break it.
    let pattern = regex_lite::Regex::new(shop_name["AllowedPattern"].as_str().unwrap())
        .expect("ShopName's pattern compiles");
    for good in ["Edge Shop", "Tea & Things", "Café Ü"] {
        assert!(pattern.is_match(good), "{good}");
    }
    for bad in ["Say \"hi\"", "back\\slash", "new\nline", "", "   "] {
        assert!(!pattern.is_match(bad), "{bad:?}");
    }
}

/// The owner's new-order notices: order-events reads the variable the code names
/// (`OWNER_EMAIL_VAR`) from the `OrderNotificationEmail` parameter, empty by default (no
/// notices), and may send only from SenderEmail, whoever the notice goes to.
#[test]
fn order_events_gets_the_owners_address_from_its_parameter() {
    let t = template();
    let f = &t["Resources"]["OrderEventsFunction"]["Properties"];
    let var = stream_handlers::order_events::OWNER_EMAIL_VAR;
    assert_eq!(
        f["Environment"]["Variables"][var],
        json!({"Ref": "OrderNotificationEmail"}),
        "order-events' {var}"
    );
    let p = &t["Parameters"]["OrderNotificationEmail"];
    assert_eq!(p["Type"], "String");
    assert_eq!(p["Default"], "", "no notices unless the owner asks");
    let pattern = regex_lite::Regex::new(p["AllowedPattern"].as_str().expect("a pattern"))
        .expect("the pattern compiles");
    for good in [
        "",
        "owner@example.com",
        "Ana.Lima+orders@shop.example.co.uk",
    ] {
        assert!(pattern.is_match(good), "{good:?}");
    }
    for bad in [
        "owner",
        "owner@example",
        "a b@example.com",
        "owner@example.com,x@y.z",
    ] {
        assert!(!pattern.is_match(bad), "{bad:?}");
    }
    let email = f["Policies"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["Statement"].as_array().into_iter().flatten())
        .find(|st| st["Sid"] == "Email")
        .expect("order-events may send email");
    assert_eq!(
        email["Condition"]["StringEquals"]["ses:FromAddress"],
        json!({"Ref": "SenderEmail"})
    );
}

/// JSON with object keys sorted at every level: the same text whatever the
/// map type's order (serde_json's `preserve_order` may be on or off).
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&m[*k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// Issue 16, item 4: every update of `UserPoolClient` puts its placeholder
/// URLs back; `ClientUrls` must then run again, and CloudFormation re-runs a
/// custom resource only when its properties change.
#[test]
fn client_urls_re_run_whenever_the_client_changes() {
    use sha2::Digest;
    let t = template();
    let client = &t["Resources"]["UserPoolClient"]["Properties"];
    let want = hex::encode(sha2::Sha256::digest(canonical(client).as_bytes()));
    let urls = &t["Resources"]["ClientUrls"]["Properties"];
    assert_eq!(
        urls["ClientSettingsHash"].as_str(),
        Some(want.as_str()),
        "UserPoolClient changed: set ClientUrls' ClientSettingsHash to {want}"
    );
    assert_eq!(urls["ClientId"], json!({"Ref": "UserPoolClient"}));
    // The placeholder is what ClientUrls replaces; nothing else may depend on it.
    assert_eq!(
        t["Resources"]["ClientUrls"]["Condition"], "NoCustomDomain",
        "with a custom domain the client has its real URLs"
    );
}

/// Issue 16, item 2: a second stack in the account (edge-shop-test beside
/// edge-shop) must not collide with the first.
#[test]
fn a_second_stack_gets_its_own_domain_and_may_reuse_the_ses_identity() {
    let t = template();
    let domain = &t["Resources"]["UserPoolDomain"]["Properties"]["Domain"]["Fn::If"];
    assert_eq!(domain[0], "HasAuthDomainPrefix");
    let (text, vars) = sub_parts(&domain[2]);
    let vars = vars.expect("the default names its variable");
    // The stack id's UUID: unique per stack, lower case (a stack name may not be).
    assert_eq!(
        vars[text
            .trim_start_matches("edge-shop-${")
            .trim_end_matches('}')],
        json!({"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}),
        "{text}"
    );
    let sample = text.replace("${StackUuid}", "51af3dc0-da77-11e4-872e-1234567db123");
    let re_ok = sample.len() <= 63
        && sample
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !sample.contains("aws")
        && !sample.contains("amazon")
        && !sample.contains("cognito");
    assert!(re_ok, "not a valid Cognito prefix: {sample}");
    // The SES identity is created unless it exists already.
    let identity = &t["Resources"]["SenderIdentity"];
    assert_eq!(identity["Condition"], "CreateSenderIdentity");
    assert_eq!(
        t["Conditions"]["CreateSenderIdentity"],
        json!({"Fn::Equals": [{"Ref": "SenderIdentityExists"}, "false"]})
    );
    assert_eq!(t["Parameters"]["SenderIdentityExists"]["Default"], "false");
    // Nothing refers to the identity resource (it may not exist).
    for (path, s) in collect_strings(&t) {
        if !path.starts_with(".Resources.SenderIdentity.") {
            assert!(
                s != "SenderIdentity"
                    && !s.starts_with("SenderIdentity.")
                    && !s.contains("${SenderIdentity"),
                "{path} refers to SenderIdentity: {s}"
            );
        }
    }
}

/// Issue 16, item 3: a pool has one prefix domain and CloudFormation creates
/// the replacement first: the way to change it is written down.
#[test]
fn changing_the_hosted_ui_prefix_is_documented_step_by_step() {
    let t = template();
    let described = t["Parameters"]["AuthDomainPrefix"]["Description"]
        .as_str()
        .unwrap_or_default();
    assert!(
        described.contains("Changing the hosted-UI domain"),
        "{described}"
    );
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../TROUBLESHOOTING.md"),
    )
    .expect("TROUBLESHOOTING.md");
    let section = doc
        .split("**Changing the hosted-UI domain")
        .nth(1)
        .expect("TROUBLESHOOTING.md has the section");
    let section = &section[..section.find("\n\n**").unwrap_or(section.len())];
    for step in [
        "aws cognito-idp delete-user-pool-domain",
        "AuthDomainPrefix=",
        "sam deploy",
    ] {
        assert!(section.contains(step), "the steps miss `{step}`");
    }
}

/// Issue 16, item 5: a runtime or timeout change of the edge function must
/// publish a version (and so re-run EdgeConfig and reach CloudFront).
#[test]
fn the_edge_function_publishes_a_version_on_any_change() {
    let t = template();
    let edge = &t["Resources"]["EdgeFunction"]["Properties"];
    assert_eq!(edge["AutoPublishAliasAllProperties"], true);
    assert_eq!(
        t["Resources"]["EdgeConfig"]["Properties"]["SourceVersionArn"],
        json!({"Ref": "EdgeFunction.Version"})
    );
}

/// Issue 16, item 7: the JWT authorizer takes access tokens only, with the
/// scopes the functions (and shop-local's gateway) define.
#[test]
fn the_api_authorizer_wants_an_access_token_scope() {
    let t = template();
    let auth = &t["Resources"]["HttpApi"]["Properties"]["Auth"];
    let default = auth["DefaultAuthorizer"].as_str().unwrap_or_default();
    let scopes = &auth["Authorizers"][default]["AuthorizationScopes"];
    assert_eq!(scopes, &json!(functions::identity::API_SCOPES), "{default}");
    // The hosted UI hands out `openid` only if the client allows it.
    let allowed = &t["Resources"]["UserPoolClient"]["Properties"]["AllowedOAuthScopes"];
    assert!(
        allowed
            .as_array()
            .is_some_and(|a| a.contains(&json!("openid"))),
        "{allowed}"
    );
    // No route under /api/ but the public ones opts out of the authorizer.
    for (id, f) in resources_of(&t, FUNCTION) {
        for (name, e) in f["Properties"]["Events"].as_object().into_iter().flatten() {
            let p = &e["Properties"];
            if p["Auth"]["Authorizer"] == "NONE" {
                let path = p["Path"].as_str().unwrap_or_default();
                assert!(
                    ["/api/catalogue/stock", "/api/stripe/webhook"].contains(&path),
                    "{id}.{name}: {path} without the authorizer"
                );
            }
            assert!(
                p["Auth"].get("AuthorizationScopes").is_none(),
                "{id}.{name}: route scopes would replace the authorizer's"
            );
        }
    }
}

/// Issue 16, items 8 and 12: Cognito can mail through the stack's SES
/// identity; a changed email counts only once verified.
#[test]
fn cognito_mail_and_email_changes() {
    let t = template();
    let pool = &t["Resources"]["UserPool"]["Properties"];
    assert_eq!(
        pool["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"],
        json!(["email"])
    );
    assert_eq!(pool["AutoVerifiedAttributes"], json!(["email"]));
    let mail = &pool["EmailConfiguration"]["Fn::If"];
    assert_eq!(mail[0], "CognitoMailsThroughSes");
    assert_eq!(mail[1]["EmailSendingAccount"], "DEVELOPER");
    assert_eq!(mail[1]["From"], json!({"Ref": "SenderEmail"}));
    let (arn, _) = sub_parts(&mail[1]["SourceArn"]);
    assert!(
        arn.starts_with("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/")
            && arn.ends_with("${SenderEmail}"),
        "{arn}"
    );
    assert_eq!(mail[2]["EmailSendingAccount"], "COGNITO_DEFAULT");
    assert_eq!(
        t["Conditions"]["CognitoMailsThroughSes"],
        json!({"Fn::Equals": [{"Ref": "CognitoEmailThroughSes"}, "true"]})
    );
    assert_eq!(
        t["Parameters"]["CognitoEmailThroughSes"]["Default"],
        "false"
    );
}

/// Issue 16, item 1: SES refusing to send as the shop is counted from the
/// log lines `shop::mailer` writes, and alarms.
#[test]
fn ses_refusals_are_counted_and_the_senders_alarm() {
    let t = template();
    let filters = resources_of(&t, "AWS::Logs::MetricFilter");
    let metric_of = |pattern: &str| {
        let (id, f) = filters
            .iter()
            .find(|(_, f)| f["Properties"]["FilterPattern"] == pattern)
            .unwrap_or_else(|| panic!("no metric filter {pattern}"));
        let p = &f["Properties"];
        assert_eq!(
            p["LogGroupName"],
            json!({"Ref": "OrderEventsLogGroup"}),
            "{id}: order-events sends the mail"
        );
        p["MetricTransformations"][0].clone()
    };
    let sender = metric_of(shop::mailer::SENDER_REFUSAL_FILTER);
    metric_of(shop::mailer::RECIPIENT_REJECTION_FILTER);
    let alarmed = resources_of(&t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .any(|(_, a)| {
            a["Properties"]["MetricName"] == sender["MetricName"]
                && a["Properties"]["Namespace"] == sender["MetricNamespace"]
                && a["Properties"]["Threshold"] == 1
        });
    assert!(alarmed, "no alarm on {sender}");
}

/// `parameter_overrides` of each `[<env>.<command>.parameters]` section of
/// `sam/samconfig.toml`, as `(section, overrides text)`.
fn samconfig_overrides(text: &str) -> Vec<(String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
        } else if let Some((key, value)) = line.split_once('=')
            && key.trim() == "parameter_overrides"
        {
            out.push((section.clone(), value.trim().to_owned()));
        }
    }
    out
}

/// The `Architecture=` of an overrides text, if any (bare, quoted, or with
/// the escaped quotes `sam deploy --guided` writes: `Architecture=\"arm64\"`).
fn architecture_in(overrides: &str) -> Option<String> {
    let at = overrides.find("Architecture=")? + "Architecture=".len();
    let value: String = overrides[at..]
        .trim_start_matches(['\\', '"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Some(value)
}

/// Issue 16, item 9: `sam deploy --guided` saves the parameters in the
/// deploy section, which `sam build` does not read: the architecture the
/// functions are deployed with must be the one they are built for.
#[test]
fn build_and_deploy_agree_on_the_architecture() {
    let t = template();
    let allowed = t["Parameters"]["Architecture"]["AllowedValues"].clone();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samconfig.toml"),
    )
    .expect("sam/samconfig.toml");
    let overrides = samconfig_overrides(&text);
    let arch = |section: &str| {
        overrides
            .iter()
            .filter(|(s, _)| s == section || s == "default.global.parameters")
            .filter_map(|(_, o)| architecture_in(o))
            .next_back()
    };
    let default = t["Parameters"]["Architecture"]["Default"]
        .as_str()
        .map(str::to_owned);
    let build = arch("default.build.parameters").or(default.clone());
    let deploy = arch("default.deploy.parameters").or(default);
    for a in [&build, &deploy].into_iter().flatten() {
        assert!(
            allowed.as_array().is_some_and(|v| v.contains(&json!(a))),
            "{a} is not allowed"
        );
    }
    assert_eq!(
        build, deploy,
        "sam build would build for {build:?} what sam deploy deploys as {deploy:?}: put \
         Architecture=... in [default.global.parameters] parameter_overrides (DEPLOYMENT.md, step 4)"
    );
    // The parser reads what `sam deploy --guided` writes.
    let guided = "[default.deploy.parameters]\nparameter_overrides = \"Architecture=\\\"arm64\\\" DomainName=\\\"\\\"\"\n";
    assert_eq!(
        samconfig_overrides(guided)
            .first()
            .and_then(|(_, o)| architecture_in(o))
            .as_deref(),
        Some("arm64")
    );
}

/// Issue 16, item 15: SECURITY.md says which functions may delete items; it
/// must stay true (admin-api alone, for a refund's claim; no bulk access).
#[test]
fn only_admin_api_deletes_items_and_none_works_in_bulk() {
    let t = template();
    let mut deleting = Vec::new();
    for (id, f) in resources_of(&t, FUNCTION) {
        for (path, s) in collect_strings(&f["Properties"]["Policies"]) {
            if !path.contains("Action") {
                continue;
            }
            assert!(
                s != "dynamodb:Scan" && s != "dynamodb:BatchWriteItem",
                "{id}: {s}"
            );
            if s == "dynamodb:DeleteItem" {
                deleting.push(id);
            }
        }
    }
    assert_eq!(deleting, vec!["AdminApiFunction"]);
    let security = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../SECURITY.md"),
    )
    .expect("SECURITY.md");
    assert!(security.contains("`DeleteItem` (one item by its key) is granted to admin-api alone"));
}
