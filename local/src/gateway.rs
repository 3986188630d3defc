//! shop-local's front door, playing CloudFront and API Gateway.
//!
//! Every request is dispatched by the routing table (`edge/routes.json`) as CloudFront's
//! behaviours are: its route says what runs at the viewer — nothing, the public behaviours'
//! viewer function (`edge::viewer_function`, the Rust twin of the CloudFront Function, passing
//! the same case table), or the edge core exactly as Lambda@Edge runs it (same decisions,
//! same token-endpoint calls) — then which origin answers:
//! - `api`: the function routers, behind a bearer check equivalent to API Gateway's JWT
//!   authorizer (signature, `iss`, `exp`, `token_use`, `client_id`) on every route the table
//!   does not mark public, which hands the claims to the routers the way `lambda_http` does
//!   (`RequestContext::ApiGatewayV2`), so the routers run unchanged;
//! - `site`: a static file of the rendered site (the shop's 404 page, status 404, when none).
//!
//! Every response then gets its route's response-headers policy, from the same table the
//! template's ResponseHeadersPolicies are checked against. The edge core's runs are counted
//! (`GET /_shop-local/edge-runs`), so a journey can show which pages run it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use tower::ServiceExt;

/// The debug endpoint answering how many requests ran the edge core (`{"edgeRuns": n}`);
/// shop-local only, never part of the deployed shop.
pub const EDGE_RUNS_PATH: &str = "/_shop-local/edge-runs";

/// What the front door needs.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    edge: edge::Config,
    keys: edge::KeySet,
    api: Vec<(String, axum::Router)>,
    routes: edge::RoutingTable,
    /// The routing table's header placeholders filled with the stand-ins' origins.
    header_values: BTreeMap<String, String>,
    /// How many requests ran the edge core (Lambda@Edge invocations in AWS).
    edge_runs: AtomicU64,
    site_dir: PathBuf,
    http: reqwest::Client,
    quiet: bool,
    /// Where `/images/…` files that are not in the site folder come from: the site bucket, as
    /// CloudFront's S3 origin serves them (uploaded photos and their variants).
    images: Option<(aws_sdk_s3::Client, String)>,
}

impl Gateway {
    /// A gateway over the edge configuration, the `/api` routers and the rendered site.
    ///
    /// `api` pairs a path prefix with the router (one Lambda) serving it; the
    /// longest matching prefix wins, as API Gateway's routes pick a function.
    /// Which API routes skip the JWT authorizer, and which headers every response gets, come
    /// from the routing table; `header_values` fills its placeholders (`stripe_js`,
    /// `upload_origin`, ...) with the local stand-ins' origins.
    pub fn new(
        edge: edge::Config,
        api: Vec<(String, axum::Router)>,
        header_values: BTreeMap<String, String>,
        site_dir: PathBuf,
        quiet: bool,
    ) -> anyhow::Result<Gateway> {
        let mut api = api;
        api.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        let keys = edge
            .key_set()
            .map_err(|e| anyhow::anyhow!("edge key set: {e}"))?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Gateway {
            inner: Arc::new(Inner {
                edge,
                keys,
                api,
                routes: edge::RoutingTable::builtin(),
                header_values,
                edge_runs: AtomicU64::new(0),
                site_dir,
                http,
                quiet,
                images: None,
            }),
        })
    }

    /// Serves `/images/…` missing from the site folder from `bucket` (key `images/…`), with
    /// the object's content type, as CloudFront's S3 origin does.
    pub fn with_images_from(mut self, s3: aws_sdk_s3::Client, bucket: &str) -> Gateway {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.images = Some((s3, bucket.to_owned()));
        }
        self
    }

    async fn bucket_image(&self, path: &str) -> Option<Response<Body>> {
        let (s3, bucket) = self.inner.images.as_ref()?;
        let key = percent_decode(path.strip_prefix('/')?);
        if !key.starts_with("images/") || key.split('/').any(|s| s == "..") {
            return None;
        }
        let object = s3.get_object().bucket(bucket).key(&key).send().await.ok()?;
        let content_type = object
            .content_type()
            .and_then(|c| HeaderValue::from_str(c).ok());
        let bytes = object.body.collect().await.ok()?.into_bytes();
        let mut r = Response::new(Body::from(bytes));
        if let Some(ct) = content_type {
            r.headers_mut().insert(axum::http::header::CONTENT_TYPE, ct);
        }
        Some(r)
    }

    /// An axum router answering every path.
    pub fn router(self) -> axum::Router {
        axum::Router::new().fallback(move |req: Request<Body>| {
            let gw = self.clone();
            async move { gw.handle(req).await }
        })
    }

    /// Handles one viewer request end to end and logs one line for it.
    pub async fn handle(&self, req: Request<Body>) -> Response<Body> {
        let started = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let response = match self.viewer_request(req).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "gateway failure");
                text(StatusCode::BAD_GATEWAY, &format!("shop-local: {e}"))
            }
        };
        if !self.inner.quiet {
            println!(
                "{:>3} {:<6} {:<48} {:>6.1} ms",
                response.status().as_u16(),
                method.as_str(),
                path,
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        response
    }

    /// How many requests have run the edge core so far.
    pub fn edge_runs(&self) -> u64 {
        self.inner.edge_runs.load(Ordering::Relaxed)
    }

    /// One viewer request through its route: viewer step, origin, response-headers policy.
    async fn viewer_request(&self, req: Request<Body>) -> anyhow::Result<Response<Body>> {
        if req.uri().path() == EDGE_RUNS_PATH {
            let body = serde_json::json!({ "edgeRuns": self.edge_runs() }).to_string();
            let mut r = Response::new(Body::from(body));
            r.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            return Ok(r);
        }
        let route = self.inner.routes.route_for(req.uri().path()).clone();
        let mut resp = match route.viewer {
            edge::Viewer::None => self.origin(&route, req, None).await?,
            edge::Viewer::CloudfrontFunction => {
                let query = req.uri().query().unwrap_or("");
                match edge::viewer_function(req.method().as_str(), req.uri().path(), query) {
                    edge::ViewerOutcome::Forward(uri) => {
                        self.origin(&route, req, Some(uri)).await?
                    }
                    edge::ViewerOutcome::Redirect(location) => {
                        let mut r = text(StatusCode::MOVED_PERMANENTLY, "");
                        if let Ok(v) = HeaderValue::from_str(&location) {
                            r.headers_mut().insert(axum::http::header::LOCATION, v);
                        }
                        r
                    }
                    edge::ViewerOutcome::BadRequest => text(StatusCode::BAD_REQUEST, "Bad Request"),
                }
            }
            edge::Viewer::EdgeAuth => {
                self.inner.edge_runs.fetch_add(1, Ordering::Relaxed);
                self.edge_auth(&route, req).await?
            }
        };
        let policy = self
            .inner
            .routes
            .headers(&route.headers, &self.inner.header_values);
        add_headers(resp.headers_mut(), &policy);
        Ok(resp)
    }

    /// The origin behind a route: the API (JWT authorizer unless the route is public) or the
    /// site's files. `uri`: the path the viewer step forwards, when it changed it.
    async fn origin(
        &self,
        route: &edge::Route,
        mut req: Request<Body>,
        uri: Option<String>,
    ) -> anyhow::Result<Response<Body>> {
        if route.origin == "api" {
            if let Some(uri) = uri {
                let with_query = match req.uri().query() {
                    Some(q) => format!("{uri}?{q}"),
                    None => uri,
                };
                *req.uri_mut() = with_query.parse()?;
            }
            return self.api(req, route.access == edge::Access::Public).await;
        }
        let path = uri.unwrap_or_else(|| req.uri().path().to_owned());
        let mut resp = self.static_file(&path).await;
        if resp.status() == StatusCode::NOT_FOUND
            && let Some(image) = self.bucket_image(&path).await
        {
            resp = image;
        }
        Ok(resp)
    }

    /// The edge core on a request, as Lambda@Edge runs it, then the origin.
    async fn edge_auth(
        &self,
        route: &edge::Route,
        mut req: Request<Body>,
    ) -> anyhow::Result<Response<Body>> {
        let cfg = &self.inner.edge;
        let headers = req.headers();
        let cookie = headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("; ");
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1")
            .to_owned();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        let edge_req = edge::Request::new(
            req.method().as_str(),
            req.uri().path(),
            req.uri().query().unwrap_or(""),
            &host,
            &cookie,
        )
        .with_headers(
            header("origin"),
            header("sec-fetch-site"),
            header("authorization"),
        );
        let mut decision = edge::decide(cfg, &self.inner.keys, edge::unix_now(), &edge_req);
        // The calls Lambda@Edge's index.mjs makes with fetch: the token
        // endpoint (then resume) and, for an unknown key id, the JWKS (then retry).
        let mut rounds = 0;
        let decision = loop {
            rounds += 1;
            decision = match decision {
                edge::Decision::TokenRequest(post) if rounds <= 4 => {
                    let reply = self.post_form(&post).await;
                    edge::resume(
                        cfg,
                        &self.inner.keys,
                        edge::unix_now(),
                        post.continuation,
                        &reply,
                    )
                }
                edge::Decision::FetchKeys(fetch) if rounds <= 4 => {
                    match self.fetch_jwks(&fetch.url).await {
                        Ok(body) => {
                            if let Err(e) = self.inner.keys.replace_from_jwks_json(&body) {
                                tracing::warn!(error = %e, "JWKS refused");
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, url = %fetch.url, "JWKS fetch failed"),
                    }
                    edge::retry(cfg, &self.inner.keys, edge::unix_now(), fetch.retry)
                }
                other => break other,
            };
        };
        match decision {
            edge::Decision::Respond(r) => Ok(generated(r)),
            edge::Decision::TokenRequest(_) | edge::Decision::FetchKeys(_) => Ok(text(
                StatusCode::BAD_GATEWAY,
                "edge asked for too many round trips",
            )),
            edge::Decision::Forward(fwd) => {
                let h = req.headers_mut();
                for name in &fwd.remove_headers {
                    h.remove(name.as_str());
                }
                for (name, value) in &fwd.set_headers {
                    if let (Ok(n), Ok(v)) = (
                        HeaderName::try_from(name.as_str()),
                        HeaderValue::from_str(value),
                    ) {
                        h.insert(n, v);
                    }
                }
                // The edge forwards the normalised path, and `/x/` as `/x/index.html` for S3.
                self.origin(route, req, fwd.uri).await
            }
        }
    }

    async fn fetch_jwks(&self, url: &str) -> anyhow::Result<String> {
        Ok(self
            .inner
            .http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?)
    }

    async fn post_form(&self, post: &edge::TokenRequest) -> edge::TokenReply {
        let mut rb = self.inner.http.post(&post.url).body(post.body.clone());
        for (k, v) in &post.headers {
            rb = rb.header(k, v);
        }
        match rb.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                edge::TokenReply {
                    status,
                    body: resp.text().await.unwrap_or_default(),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, url = %post.url, "token endpoint unreachable");
                edge::TokenReply {
                    status: 0,
                    body: String::new(),
                }
            }
        }
    }

    /// API Gateway: JWT authorizer on every route but the public ones, then the routers.
    async fn api(&self, mut req: Request<Body>, public: bool) -> anyhow::Result<Response<Body>> {
        let path = req.uri().path().to_owned();
        if !public {
            let bearer = req
                .headers()
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned);
            let Some(token) = bearer else {
                return Ok(api_error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "sign in first",
                ));
            };
            let user = match edge::verify_token(
                &self.inner.edge,
                &self.inner.keys,
                edge::unix_now(),
                &token,
                edge::TokenKind::Access,
            ) {
                Ok(u) => u,
                Err(refusal) => {
                    return Ok(api_error(
                        StatusCode::UNAUTHORIZED,
                        "unauthorized",
                        &format!("token refused: {refusal:?}"),
                    ));
                }
            };
            // API Gateway's authorizer also wants one of the API's scopes (no id tokens).
            if !functions::identity::jwt_has_api_scope(&token) {
                return Ok(api_error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "token refused: none of the API's scopes",
                ));
            }
            let mut claims = HashMap::new();
            claims.insert("sub".to_owned(), user.sub.clone());
            claims.insert("username".to_owned(), user.username.clone());
            claims.insert("client_id".to_owned(), self.inner.edge.client_id.clone());
            claims.insert("token_use".to_owned(), "access".to_owned());
            claims.insert("iss".to_owned(), self.inner.edge.issuer.clone());
            claims.insert("exp".to_owned(), user.exp.to_string());
            if !user.groups.is_empty() {
                // API Gateway renders a list claim as "[a b]".
                claims.insert(
                    "cognito:groups".to_owned(),
                    format!("[{}]", user.groups.join(" ")),
                );
            }
            req.extensions_mut().insert(request_context(claims));
        } else {
            req.extensions_mut().insert(request_context(HashMap::new()));
        }
        let Some((_, router)) = self
            .inner
            .api
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix.as_str()))
        else {
            return Ok(api_error(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such API route",
            ));
        };
        let resp = router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| anyhow::anyhow!("api router: {e}"))?;
        Ok(resp.map(Body::new))
    }

    async fn static_file(&self, path: &str) -> Response<Body> {
        let root = &self.inner.site_dir;
        match resolve(root, path) {
            Some(file) => match tokio::fs::read(&file).await {
                Ok(bytes) => {
                    let mut r = Response::new(Body::from(bytes));
                    let h = r.headers_mut();
                    h.insert(
                        axum::http::header::CONTENT_TYPE,
                        HeaderValue::from_static(content_type(&file)),
                    );
                    h.insert(
                        axum::http::header::CACHE_CONTROL,
                        HeaderValue::from_static("no-cache"),
                    );
                    r
                }
                Err(_) => not_found(root).await,
            },
            None => {
                // A directory without its trailing slash: S3 website hosting would redirect.
                if !path.ends_with('/')
                    && root
                        .join(path.trim_start_matches('/'))
                        .join("index.html")
                        .is_file()
                {
                    let mut r = Response::new(Body::empty());
                    *r.status_mut() = StatusCode::MOVED_PERMANENTLY;
                    if let Ok(v) = HeaderValue::from_str(&format!("{path}/")) {
                        r.headers_mut().insert(axum::http::header::LOCATION, v);
                    }
                    return r;
                }
                not_found(root).await
            }
        }
    }
}

/// The file a URL path maps to inside the site folder (`/x/` → `x/index.html`); `None` when
/// there is none or the path tries to leave the folder.
pub fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path);
    let rel = decoded.trim_start_matches('/');
    if rel.split('/').any(|seg| seg == ".." || seg.contains('\\')) {
        return None;
    }
    let mut candidate = root.join(rel);
    if decoded.ends_with('/') || rel.is_empty() {
        candidate = candidate.join("index.html");
    }
    candidate.is_file().then_some(candidate)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn not_found(root: &Path) -> Response<Body> {
    let body = tokio::fs::read(root.join("404.html"))
        .await
        .unwrap_or_else(|_| b"Not found".to_vec());
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::NOT_FOUND;
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// Content type by file extension, as the publisher sets it on S3 objects.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

fn request_context(claims: HashMap<String, String>) -> lambda_http::request::RequestContext {
    use aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
        ApiGatewayV2httpRequestContext,
    };
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    if !claims.is_empty() {
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims = claims;
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        ctx.authorizer = Some(authorizer);
    }
    lambda_http::request::RequestContext::ApiGatewayV2(ctx)
}

fn generated(r: edge::Respond) -> Response<Body> {
    let mut resp = Response::new(Body::from(r.body));
    *resp.status_mut() =
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    add_headers(resp.headers_mut(), &r.headers);
    for c in r.cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(axum::http::header::SET_COOKIE, v);
        }
    }
    resp
}

fn add_headers(h: &mut HeaderMap, pairs: &[(String, String)]) {
    for (k, v) in pairs {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v)) {
            h.insert(n, v);
        }
    }
}

fn text(status: StatusCode, msg: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(msg.to_owned()));
    *r.status_mut() = status;
    r
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    let body = serde_json::json!({"error": {"code": code, "message": message}}).to_string();
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
