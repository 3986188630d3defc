//! The hosted-UI stand-in over real cognito-local and aws-ses-v2-local: sign
//! up, the code arrives by email, confirm, sign in through the login form
//! (which now links to sign-up and password reset), reset the password.

use reqwest::StatusCode;
use reqwest::header::LOCATION;

const SITE: &str = "http://127.0.0.1:3998";

/// The newest code mailed to `to` with `subject`.
async fn mailed_code(ses: &str, to: &str, subject: &str) -> String {
    for _ in 0..50 {
        let store: serde_json::Value = reqwest::get(format!("{ses}/store"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let code = store["emails"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|m| {
                m["subject"] == subject
                    && m["destination"]["to"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|a| a == to))
            })
            .and_then(|m| m["body"]["text"].as_str())
            .and_then(|t| {
                t.split_whitespace()
                    .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
            })
            .map(str::to_owned);
        if let Some(code) = code {
            return code;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no \"{subject}\" email to {to}");
}

async fn count_mails(ses: &str, to: &str, subject: &str) -> usize {
    let store: serde_json::Value = reqwest::get(format!("{ses}/store"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    store["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["subject"] == subject && m["destination"]["to"][0] == to)
        .count()
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn sign_up_confirm_sign_in_and_reset_through_the_hosted_pages() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let cognito = standins::services::cognito();
    let ses = standins::services::ses();
    let client = aws_sdk_cognitoidentityprovider::Client::new(
        &standins::aws::sdk_config(&cognito.endpoint()).await,
    );
    let pool = standins::cognito::create_user_pool(&client, SITE, &[])
        .await
        .unwrap();
    let ui = standins::hosted_ui::start(standins::hosted_ui::Settings {
        cognito_endpoint: cognito.endpoint(),
        cognito_data: cognito.dir().join(".cognito/db"),
        pool_id: pool.pool_id.clone(),
        ses_endpoint: ses.endpoint(),
    })
    .await
    .unwrap();
    let base = ui.endpoint();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect_uri = format!("{SITE}/auth/callback");
    let oauth = [
        ("client_id", pool.client_id.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("response_type", "code"),
        ("state", "signed-state"),
        ("code_challenge", "challenge"),
        ("code_challenge_method", "S256"),
        ("scope", "openid email"),
    ];
    let email = "newcomer@example.com";

    // The sign-up page keeps the OAuth parameters in its form.
    let page = http
        .get(format!("{base}/signup"))
        .query(&oauth)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"name="state" value="signed-state""#),
        "{page}"
    );

    // The template's password policy holds here too (cognito-local has none).
    let mut weak: Vec<(&str, &str)> = oauth.to_vec();
    weak.extend([("username", email), ("password", "short")]);
    let refused = http
        .post(format!("{base}/signup"))
        .form(&weak)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::OK);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Password not long enough")
    );

    let mut form: Vec<(&str, &str)> = oauth.to_vec();
    form.extend([("username", email), ("password", "First-Passw0rd!")]);
    let resp = http
        .post(format!("{base}/signup"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let next = location(&resp);
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{}",
        resp.text().await.unwrap()
    );
    assert!(
        next.starts_with("/confirmSignup?") && next.contains("state=signed-state"),
        "{next}"
    );

    // Not confirmed yet: the login form refuses the user.
    let mut login: Vec<(&str, &str)> = oauth.to_vec();
    login.extend([("username", email), ("password", "First-Passw0rd!")]);
    let refused = http
        .post(format!("{base}/oauth2/authorize"))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::OK);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("Incorrect username or password"));
    assert!(refused.contains(r#"id="create-account""#), "{refused}");

    // "Send a new code" mails it again.
    let mut resend: Vec<(&str, &str)> = oauth.to_vec();
    resend.push(("username", email));
    let resp = http
        .post(format!("{base}/resendCode"))
        .form(&resend)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).contains("notice=resent"));
    let code = mailed_code(&ses.endpoint(), email, "Your verification code").await;
    let mails = count_mails(&ses.endpoint(), email, "Your verification code").await;
    assert_eq!(mails, 2, "sent at sign-up and again on request");
    let mut confirm: Vec<(&str, &str)> = oauth.to_vec();
    confirm.extend([("username", email), ("code", &code)]);
    let resp = http
        .post(format!("{base}/confirmSignup"))
        .form(&confirm)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let next = location(&resp);
    // As in Cognito, confirming the emailed code verifies the address.
    let user = client
        .list_users()
        .user_pool_id(&pool.pool_id)
        .send()
        .await
        .unwrap();
    let attrs = user.users()[0].attributes();
    assert!(
        attrs
            .iter()
            .any(|a| a.name() == "email_verified" && a.value() == Some("true")),
        "{attrs:?}"
    );
    assert!(
        next.starts_with("/login?") && next.contains("notice=confirmed"),
        "{next}"
    );

    // The login page: cognito-local's form with both links added, same parameters.
    let page = http
        .get(format!("{base}{next}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Your account is confirmed"), "{page}");
    assert!(page.contains("/forgotPassword?client_id="), "{page}");
    assert!(page.contains("/signup?client_id="), "{page}");

    let resp = http
        .post(format!("{base}/oauth2/authorize"))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection());
    let back = location(&resp);
    assert!(
        back.starts_with(&format!("{SITE}/auth/callback?code=")),
        "{back}"
    );
    assert!(back.contains("state=signed-state"), "{back}");

    // Forgotten password: a reset code by email, a new password, the old one refused.
    let mut forgot: Vec<(&str, &str)> = oauth.to_vec();
    forgot.push(("username", email));
    let resp = http
        .post(format!("{base}/forgotPassword"))
        .form(&forgot)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).starts_with("/confirmForgotPassword?"));
    let code = mailed_code(&ses.endpoint(), email, "Your password reset code").await;
    let mut reset: Vec<(&str, &str)> = oauth.to_vec();
    reset.extend([
        ("username", email),
        ("code", &code),
        ("password", "Second-Passw0rd!"),
    ]);
    let resp = http
        .post(format!("{base}/confirmForgotPassword"))
        .form(&reset)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).contains("notice=password_changed"));
    let old = http
        .post(format!("{base}/oauth2/authorize"))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::OK, "the old password is refused");
    let mut relogin: Vec<(&str, &str)> = oauth.to_vec();
    relogin.extend([("username", email), ("password", "Second-Passw0rd!")]);
    let resp = http
        .post(format!("{base}/oauth2/authorize"))
        .form(&relogin)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "the new password signs in");

    // An unknown address gets the same next page and no mail.
    let mut unknown: Vec<(&str, &str)> = oauth.to_vec();
    unknown.push(("username", "nobody@example.com"));
    let resp = http
        .post(format!("{base}/forgotPassword"))
        .form(&unknown)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}
