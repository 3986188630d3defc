//! The hosted-UI pages cognito-local lacks, served in front of it.
//!
//! Cognito's hosted UI has `/login`, `/signup`, `/confirmSignup`,
//! `/forgotPassword` and `/confirmForgotPassword`, all carrying the same
//! query (`client_id`, `redirect_uri`, `state`, `code_challenge`, …), and
//! emails the verification and reset codes. cognito-local has only a bare
//! login form at `GET /oauth2/authorize` and prints codes nowhere useful. So
//! the local hosted-UI domain is this small server: it serves the missing
//! pages over cognito-local's own JSON API (`SignUp`, `ConfirmSignUp`,
//! `ForgotPassword`, `ConfirmForgotPassword`), reads the code cognito-local
//! stored in its data folder and mails it through aws-ses-v2-local (so it
//! shows in the email viewer like every other mail), adds "Create account"
//! and "Forgot your password?" links to cognito-local's login page, and
//! completes the JSON API's `AdminUserGlobalSignOut` (which cognito-local lacks) and
//! forwards everything else to cognito-local untouched.
//!
//! This is part of the local stand-in only: in AWS these pages are Cognito's.

use std::path::PathBuf;

use aws_sdk_cognitoidentityprovider::Client as Cognito;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::AttributeType;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

/// Cognito's default sender for verification mail.
pub const CODE_SENDER: &str = "no-reply@verificationemail.com";

/// The OAuth parameters the hosted pages keep on every link and form, as
/// Cognito's hosted UI does.
const KEPT: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
    "scope",
    "nonce",
    "lang",
];

/// What the pages need to reach.
#[derive(Debug, Clone)]
pub struct Settings {
    /// cognito-local's endpoint (`http://127.0.0.1:<port>`).
    pub cognito_endpoint: String,
    /// cognito-local's data folder (`<its working dir>/.cognito/db`).
    pub cognito_data: PathBuf,
    /// The user pool whose codes are read.
    pub pool_id: String,
    /// aws-ses-v2-local's endpoint.
    pub ses_endpoint: String,
}

#[derive(Clone)]
struct Ctx {
    settings: Settings,
    cognito: Cognito,
    ses: aws_sdk_sesv2::Client,
    http: reqwest::Client,
}

/// The running hosted UI; dropping it stops the server.
pub struct HostedUi {
    port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl HostedUi {
    /// `http://127.0.0.1:<port>`: the local hosted-UI domain.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for HostedUi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the hosted UI on a free loopback port.
pub async fn start(settings: Settings) -> anyhow::Result<HostedUi> {
    let cognito = Cognito::new(&crate::aws::sdk_config(&settings.cognito_endpoint).await);
    let ses = aws_sdk_sesv2::Client::new(&crate::aws::sdk_config(&settings.ses_endpoint).await);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let app = router(Ctx {
        settings,
        cognito,
        ses,
        http,
    });
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "hosted UI stopped");
        }
    });
    Ok(HostedUi { port, task })
}

fn router(ctx: Ctx) -> Router {
    Router::new()
        .route("/signup", get(signup_page).post(signup))
        .route(
            "/confirmSignup",
            get(confirm_signup_page).post(confirm_signup),
        )
        .route("/resendCode", post(resend_code))
        .route("/forgotPassword", get(forgot_page).post(forgot))
        .route(
            "/confirmForgotPassword",
            get(confirm_forgot_page).post(confirm_forgot),
        )
        .route("/login", get(login))
        .fallback(forward)
        .with_state(ctx)
}

/// A request's fields: the query (GET) or the form body (POST).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(text: &str) -> Fields {
        Fields(
            form_urlencoded::parse(text.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn of_query(uri: &Uri) -> Fields {
        Fields::parse(uri.query().unwrap_or_default())
    }

    fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The OAuth parameters only, in a stable order.
    fn oauth(&self) -> Vec<(&str, &str)> {
        KEPT.iter()
            .filter_map(|k| {
                self.0
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| (*k, v.as_str()))
            })
            .collect()
    }

    /// `path?<oauth params>&<extra>`.
    fn link(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.oauth().into_iter().chain(extra.iter().copied()) {
            q.append_pair(k, v);
        }
        format!("{path}?{}", q.finish())
    }

    fn hidden(&self) -> String {
        self.oauth()
            .into_iter()
            .map(|(k, v)| {
                format!(
                    r#"<input type="hidden" name="{}" value="{}">"#,
                    esc(k),
                    esc(v)
                )
            })
            .collect()
    }
}

/// HTML-escapes text for element content and quoted attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, error: Option<&str>, notice: Option<&str>, body: &str) -> Html<String> {
    let error = error
        .map(|e| {
            format!(
                r#"<p class="error" role="alert" data-testid="hosted-error">{}</p>"#,
                esc(e)
            )
        })
        .unwrap_or_default();
    let notice = notice
        .map(|n| {
            format!(
                r#"<p role="status" data-testid="hosted-notice">{}</p>"#,
                esc(n)
            )
        })
        .unwrap_or_default();
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}}label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.4rem;box-sizing:border-box}}button{{margin-top:1rem;padding:.5rem 1rem}}.error{{color:#b00020}}</style>
</head>
<body>
<h1>{title}</h1>
{error}{notice}{body}
</body>
</html>"#,
        title = esc(title)
    ))
}

fn signup_form(f: &Fields, error: Option<&str>) -> Html<String> {
    let body = format!(
        r#"<form method="post" action="/signup">{hidden}
<label for="email">Email</label><input id="email" name="username" type="email" autocomplete="email" required value="{email}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="new-password" required minlength="12">
<button type="submit">Sign up</button>
</form>
<p>Already have an account? <a href="{login}">Sign in</a></p>"#,
        hidden = f.hidden(),
        email = esc(f.get("username")),
        login = esc(&f.link("/login", &[])),
    );
    page("Create account", error, None, &body)
}

async fn signup_page(uri: Uri) -> Html<String> {
    signup_form(&Fields::of_query(&uri), None)
}

async fn signup(State(ctx): State<Ctx>, body: Bytes) -> Response {
    let f = Fields::parse(&String::from_utf8_lossy(&body));
    if let Some(problem) = password_problem(f.get("password")) {
        return signup_form(&f, Some(problem)).into_response();
    }
    let email = f.get("username").trim().to_owned();
    let attr = AttributeType::builder().name("email").value(&email).build();
    let result = match attr {
        Ok(attr) => ctx
            .cognito
            .sign_up()
            .client_id(f.get("client_id"))
            .username(&email)
            .password(f.get("password"))
            .user_attributes(attr)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| message(&e)),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = result {
        return signup_form(&f, Some(&e)).into_response();
    }
    if let Err(e) = ctx.send_code(&email, CodeKind::SignUp).await {
        tracing::error!(error = %e, "could not deliver the verification code");
        return signup_form(&f, Some("We could not send your verification code.")).into_response();
    }
    Redirect::to(&f.link("/confirmSignup", &[("username", &email)])).into_response()
}

fn confirm_signup_form(f: &Fields, error: Option<&str>) -> Html<String> {
    let body = format!(
        r#"<p>We have sent a code by email to {email}. Enter it below to confirm your account.</p>
<form method="post" action="/confirmSignup">{hidden}
<input type="hidden" name="username" value="{email}">
<label for="code">Verification code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Confirm account</button>
</form>
<form method="post" action="/resendCode">{hidden}
<input type="hidden" name="username" value="{email}">
<p>Didn't receive a code? <button type="submit" id="resend-code">Send a new code</button></p>
</form>"#,
        hidden = f.hidden(),
        email = esc(f.get("username")),
    );
    let notice = (f.get("notice") == "resent").then_some("We have sent the code again.");
    page("Confirm your account", error, notice, &body)
}

async fn confirm_signup_page(uri: Uri) -> Html<String> {
    confirm_signup_form(&Fields::of_query(&uri), None)
}

/// "Send a new code": cognito-local has no `ResendConfirmationCode`; the
/// code it keeps for an unconfirmed user is mailed again.
async fn resend_code(State(ctx): State<Ctx>, body: Bytes) -> Response {
    let f = Fields::parse(&String::from_utf8_lossy(&body));
    let email = f.get("username").trim().to_owned();
    if let Err(e) = ctx.send_code(&email, CodeKind::SignUp).await {
        tracing::warn!(error = %e, "no code to send again");
    }
    Redirect::to(&f.link(
        "/confirmSignup",
        &[("username", &email), ("notice", "resent")],
    ))
    .into_response()
}

async fn confirm_signup(State(ctx): State<Ctx>, body: Bytes) -> Response {
    let f = Fields::parse(&String::from_utf8_lossy(&body));
    let result = ctx
        .cognito
        .confirm_sign_up()
        .client_id(f.get("client_id"))
        .username(f.get("username"))
        .confirmation_code(f.get("code").trim())
        .send()
        .await;
    if let Err(e) = result {
        return confirm_signup_form(&f, Some(&message(&e))).into_response();
    }
    // Cognito marks the address verified when the code it was sent is
    // confirmed; cognito-local only confirms the user. Do the rest.
    // (cognito-local wants the address itself beside `email_verified`.)
    let attr = |k: &str, v: &str| AttributeType::builder().name(k).value(v).build();
    let attrs =
        attr("email", f.get("username")).and_then(|e| Ok((e, attr("email_verified", "true")?)));
    let marked = match attrs {
        Ok((email, verified)) => ctx
            .cognito
            .admin_update_user_attributes()
            .user_pool_id(&ctx.settings.pool_id)
            .username(f.get("username"))
            .user_attributes(email)
            .user_attributes(verified)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| message(&e)),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = marked {
        tracing::error!(error = %e, "could not mark the email verified");
        return confirm_signup_form(&f, Some("We could not confirm your email address."))
            .into_response();
    }
    Redirect::to(&f.link("/login", &[("notice", "confirmed")])).into_response()
}

fn forgot_form(f: &Fields, error: Option<&str>) -> Html<String> {
    let body = format!(
        r#"<p>Enter your email address and we will send you a code to reset your password.</p>
<form method="post" action="/forgotPassword">{hidden}
<label for="email">Email</label><input id="email" name="username" type="email" autocomplete="email" required value="{email}">
<button type="submit">Reset my password</button>
</form>
<p><a href="{login}">Back to sign in</a></p>"#,
        hidden = f.hidden(),
        email = esc(f.get("username")),
        login = esc(&f.link("/login", &[])),
    );
    page("Forgot your password?", error, None, &body)
}

async fn forgot_page(uri: Uri) -> Html<String> {
    forgot_form(&Fields::of_query(&uri), None)
}

async fn forgot(State(ctx): State<Ctx>, body: Bytes) -> Response {
    let f = Fields::parse(&String::from_utf8_lossy(&body));
    let email = f.get("username").trim().to_owned();
    let result = ctx
        .cognito
        .forgot_password()
        .client_id(f.get("client_id"))
        .username(&email)
        .send()
        .await;
    match result {
        Ok(_) => {
            if let Err(e) = ctx.send_code(&email, CodeKind::Reset).await {
                tracing::error!(error = %e, "could not deliver the reset code");
                return forgot_form(&f, Some("We could not send your reset code.")).into_response();
            }
        }
        // As Cognito with user-existence errors prevented: an unknown address
        // gets the same next page and no mail.
        Err(e) if e.code() == Some("UserNotFoundException") => {}
        Err(e) => return forgot_form(&f, Some(&message(&e))).into_response(),
    }
    Redirect::to(&f.link("/confirmForgotPassword", &[("username", &email)])).into_response()
}

fn confirm_forgot_form(f: &Fields, error: Option<&str>) -> Html<String> {
    let body = format!(
        r#"<p>If {email} has an account, we have emailed it a code. Enter it with your new password.</p>
<form method="post" action="/confirmForgotPassword">{hidden}
<input type="hidden" name="username" value="{email}">
<label for="code">Code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<label for="password">New password</label><input id="password" name="password" type="password" autocomplete="new-password" required minlength="12">
<button type="submit">Change password</button>
</form>"#,
        hidden = f.hidden(),
        email = esc(f.get("username")),
    );
    page("Reset your password", error, None, &body)
}

async fn confirm_forgot_page(uri: Uri) -> Html<String> {
    confirm_forgot_form(&Fields::of_query(&uri), None)
}

async fn confirm_forgot(State(ctx): State<Ctx>, body: Bytes) -> Response {
    let f = Fields::parse(&String::from_utf8_lossy(&body));
    if let Some(problem) = password_problem(f.get("password")) {
        return confirm_forgot_form(&f, Some(problem)).into_response();
    }
    let result = ctx
        .cognito
        .confirm_forgot_password()
        .client_id(f.get("client_id"))
        .username(f.get("username"))
        .confirmation_code(f.get("code").trim())
        .password(f.get("password"))
        .send()
        .await;
    match result {
        Ok(_) => Redirect::to(&f.link("/login", &[("notice", "password_changed")])).into_response(),
        Err(e) => confirm_forgot_form(&f, Some(&message(&e))).into_response(),
    }
}

/// The template's password policy (`sam/template.yaml`: 12 characters,
/// lower and upper case, a number), which Cognito enforces and cognito-local
/// does not; the message is Cognito's `InvalidPasswordException`'s.
fn password_problem(password: &str) -> Option<&'static str> {
    let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
    if password.chars().count() < 12 {
        Some("Password did not conform with policy: Password not long enough")
    } else if !has(char::is_ascii_lowercase) {
        Some("Password did not conform with policy: Password must have lowercase characters")
    } else if !has(char::is_ascii_uppercase) {
        Some("Password did not conform with policy: Password must have uppercase characters")
    } else if !has(char::is_ascii_digit) {
        Some("Password did not conform with policy: Password must have numeric characters")
    } else {
        None
    }
}

/// A Cognito error as a person reads it (its message, else its code).
fn message<E: ProvideErrorMetadata>(e: &E) -> String {
    e.message()
        .or(e.code())
        .unwrap_or("Something went wrong. Please try again.")
        .to_owned()
}

#[derive(Clone, Copy)]
enum CodeKind {
    SignUp,
    Reset,
}

impl Ctx {
    /// The code cognito-local stored for `username` (its `ConfirmationCode`).
    /// cognito-local's stored pool (`.cognito/db/<pool>.json`) and its path.
    fn pool_db(&self) -> anyhow::Result<(serde_json::Value, PathBuf)> {
        let file = self
            .settings
            .cognito_data
            .join(format!("{}.json", self.settings.pool_id));
        let db = serde_json::from_slice(&std::fs::read(&file)?)?;
        Ok((db, file))
    }

    fn stored_code(&self, username: &str) -> anyhow::Result<String> {
        let (db, file) = self.pool_db()?;
        // Signed-up users are stored under their `sub` (the pool's defaults
        // make the email an alias), admin-created ones under their username.
        let is_user = |u: &serde_json::Value| {
            u.get("Username").and_then(|n| n.as_str()) == Some(username)
                || u.get("Attributes")
                    .and_then(|a| a.as_array())
                    .is_some_and(|attrs| {
                        attrs.iter().any(|a| {
                            a.get("Name").and_then(|n| n.as_str()) == Some("email")
                                && a.get("Value").and_then(|v| v.as_str()) == Some(username)
                        })
                    })
        };
        db.get("Users")
            .and_then(|u| u.as_object())
            .and_then(|users| users.values().find(|u| is_user(u)))
            .and_then(|u| u.get("ConfirmationCode"))
            .and_then(|c| c.as_str())
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("no code stored for {username} in {}", file.display()))
    }

    /// The refresh tokens cognito-local stored for `username` (`None`: no such user).
    fn refresh_tokens(&self, username: &str) -> anyhow::Result<Option<Vec<String>>> {
        let (db, _) = self.pool_db()?;
        let user = db
            .get("Users")
            .and_then(|u| u.as_object())
            .and_then(|users| {
                users
                    .values()
                    .find(|u| u.get("Username").and_then(|n| n.as_str()) == Some(username))
            });
        Ok(user.map(|u| {
            u.get("RefreshTokens")
                .and_then(|t| t.as_array())
                .map(|t| {
                    t.iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        }))
    }

    /// Mails the stored code the way Cognito's default messages read.
    async fn send_code(&self, email: &str, kind: CodeKind) -> anyhow::Result<()> {
        use aws_sdk_sesv2::types::{Body as MailBody, Content, Destination, EmailContent, Message};
        let code = self.stored_code(email)?;
        let (subject, text) = match kind {
            CodeKind::SignUp => (
                "Your verification code",
                format!("Your verification code is {code}"),
            ),
            CodeKind::Reset => (
                "Your password reset code",
                format!("Your password reset code is {code}"),
            ),
        };
        let content = |s: &str| Content::builder().data(s).charset("UTF-8").build();
        self.ses
            .send_email()
            .from_email_address(CODE_SENDER)
            .destination(Destination::builder().to_addresses(email).build())
            .content(
                EmailContent::builder()
                    .simple(
                        Message::builder()
                            .subject(content(subject)?)
                            .body(MailBody::builder().text(content(&text)?).build())
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await?;
        Ok(())
    }
}

/// `/login`: cognito-local's login form (it lives at `GET /oauth2/authorize`).
async fn login(State(ctx): State<Ctx>, uri: Uri, headers: HeaderMap) -> Response {
    let target = format!(
        "/oauth2/authorize{}",
        uri.query().map(|q| format!("?{q}")).unwrap_or_default()
    );
    let fields = Fields::of_query(&uri);
    proxy(
        &ctx,
        Method::GET,
        &target,
        headers,
        Bytes::new(),
        Some(fields),
    )
    .await
}

/// The JSON API target cognito-local lacks and this server completes.
const GLOBAL_SIGN_OUT: &str = "AWSCognitoIdentityProviderService.AdminUserGlobalSignOut";

/// Everything else goes to cognito-local; its login form gets the links.
async fn forward(State(ctx): State<Ctx>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if parts
        .headers
        .get("x-amz-target")
        .is_some_and(|t| t.as_bytes() == GLOBAL_SIGN_OUT.as_bytes())
    {
        let Ok(body) = axum::body::to_bytes(body, 64 * 1024).await else {
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        };
        return global_sign_out(&ctx, &body).await;
    }
    let target = parts
        .uri
        .path_and_query()
        .map_or("/".to_owned(), |p| p.as_str().to_owned());
    let Ok(body) = axum::body::to_bytes(body, 10 * 1024 * 1024).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let fields = (parts.uri.path() == "/oauth2/authorize").then(|| {
        if parts.method == Method::POST {
            Fields::parse(&String::from_utf8_lossy(&body))
        } else {
            Fields::of_query(&parts.uri)
        }
    });
    proxy(&ctx, parts.method, &target, parts.headers, body, fields).await
}

async fn proxy(
    ctx: &Ctx,
    method: Method,
    target: &str,
    headers: HeaderMap,
    body: Bytes,
    login_fields: Option<Fields>,
) -> Response {
    let url = format!("{}{target}", ctx.settings.cognito_endpoint);
    let mut req = ctx.http.request(method, &url).body(body);
    for (name, value) in &headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            req = req.header(name, value);
        }
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cognito-local did not answer");
            return StatusCode::BAD_GATEWAY.into_response();
        }
    };
    let status = resp.status();
    let mut out_headers = resp.headers().clone();
    let Ok(bytes) = resp.bytes().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let html = out_headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let body = match login_fields {
        Some(f) if html => {
            let page = inject_links(&String::from_utf8_lossy(&bytes), &f);
            out_headers.remove(header::CONTENT_LENGTH);
            out_headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            Body::from(page)
        }
        _ => Body::from(bytes),
    };
    out_headers.remove(header::TRANSFER_ENCODING);
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = out_headers;
    response
}

/// `AdminUserGlobalSignOut`, which cognito-local does not implement: every refresh token the
/// user holds is revoked through cognito-local's own `RevokeToken` (the tokens are read from
/// its data folder), so no session of theirs can be refreshed; access and id tokens run out on
/// their own, as in Cognito. Answers as Cognito does (`{}`, or `UserNotFoundException`).
async fn global_sign_out(ctx: &Ctx, body: &[u8]) -> Response {
    let json_error = |status: StatusCode, kind: &str, message: &str| {
        let mut r = Response::new(Body::from(
            serde_json::json!({"__type": kind, "message": message}).to_string(),
        ));
        *r.status_mut() = status;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        r
    };
    let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let Some(username) = request["Username"].as_str() else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterException",
            "Username is required",
        );
    };
    let tokens = match ctx.refresh_tokens(username) {
        Ok(Some(tokens)) => tokens,
        Ok(None) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "UserNotFoundException",
                "User does not exist.",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "reading cognito-local's data for a global sign-out");
            return json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalErrorException",
                &e.to_string(),
            );
        }
    };
    if !tokens.is_empty() {
        let clients = match ctx
            .cognito
            .list_user_pool_clients()
            .user_pool_id(&ctx.settings.pool_id)
            .max_results(60)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                return json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalErrorException",
                    &message(&e),
                );
            }
        };
        let Some(client_id) = clients
            .user_pool_clients()
            .iter()
            .find_map(|c| c.client_id())
        else {
            return json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalErrorException",
                "the pool has no app client",
            );
        };
        for token in tokens {
            if let Err(e) = ctx
                .cognito
                .revoke_token()
                .client_id(client_id)
                .token(&token)
                .send()
                .await
            {
                tracing::warn!(error = %message(&e), "a refresh token could not be revoked");
            }
        }
    }
    let mut r = Response::new(Body::from("{}"));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    r
}

/// Adds what Cognito's login page has and cognito-local's lacks: the
/// "Forgot your password?" and "Create account" links (with the same OAuth
/// parameters) and a notice after confirming or resetting.
fn inject_links(html: &str, f: &Fields) -> String {
    let notice = match f.get("notice") {
        "confirmed" => {
            r#"<p role="status" data-testid="hosted-notice">Your account is confirmed. Sign in to continue.</p>"#
        }
        "password_changed" => {
            r#"<p role="status" data-testid="hosted-notice">Your password has been changed. Sign in with the new one.</p>"#
        }
        _ => "",
    };
    let links = format!(
        r#"<p><a id="forgot-password" href="{forgot}">Forgot your password?</a></p>
<p>Need an account? <a id="create-account" href="{signup}">Create account</a></p>"#,
        forgot = esc(&f.link("/forgotPassword", &[])),
        signup = esc(&f.link("/signup", &[])),
    );
    let with_links = match html.rfind("</form>") {
        Some(i) => format!("{}</form>\n{links}{}", &html[..i], &html[i + 7..]),
        None => format!("{html}{links}"),
    };
    match with_links.find("<body>") {
        Some(i) if !notice.is_empty() => {
            format!(
                "{}<body>\n{notice}{}",
                &with_links[..i],
                &with_links[i + 6..]
            )
        }
        _ => with_links,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_oauth_parameters_and_drop_the_rest() {
        let f = Fields::parse(
            "client_id=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fauth%2Fcallback&state=s%26t&password=secret&code_challenge=xyz",
        );
        let link = f.link("/signup", &[("username", "a@b.example")]);
        assert_eq!(
            link,
            "/signup?client_id=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fauth%2Fcallback&state=s%26t&code_challenge=xyz&username=a%40b.example"
        );
        assert!(!f.hidden().contains("secret"));
    }

    #[test]
    fn passwords_follow_the_template_policy() {
        assert!(password_problem("Short-1a").is_some());
        assert!(password_problem("all-lower-case-1").is_some());
        assert!(password_problem("ALL-UPPER-CASE-1").is_some());
        assert!(password_problem("No-Numbers-Here").is_some());
        assert_eq!(password_problem("First-Passw0rd!"), None);
    }

    #[test]
    fn the_login_form_gets_both_links_after_it() {
        let f = Fields::parse("client_id=abc&notice=confirmed");
        let html = inject_links("<html><body><form>x</form></body></html>", &f);
        let form_end = html.find("</form>").unwrap_or(usize::MAX);
        let forgot = html.find("/forgotPassword?client_id=abc").unwrap_or(0);
        let signup = html.find("/signup?client_id=abc").unwrap_or(0);
        assert!(forgot > form_end && signup > form_end, "{html}");
        assert!(html.contains("Your account is confirmed"));
    }
}
