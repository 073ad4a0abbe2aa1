//! The console's passkey page in a real headless Chromium [KEY-1]: a virtual platform
//! authenticator (WebDriver's WebAuthn extension over chromedriver, DevTools underneath) stands in
//! for a laptop's fingerprint reader. A customer signs in with the password, steps up by SMS, adds
//! a passkey (`navigator.credentials.create`), signs out, and signs in with the passkey alone
//! (`navigator.credentials.get`, no username). Screenshots: `target/screenshots/passkey-*.png`.

use api_tests::browser::Browser;
use api_tests::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_adds_a_passkey_and_signs_in_with_it_in_the_browser() {
    let app = spawn_isolated_app().await;
    app.clock.advance(chrono::Utc::now() - app.state().services.clock.now());
    // WebAuthn needs a secure origin with a domain: localhost (the relying party), not 127.0.0.1.
    let base = app.serve().await.replace("127.0.0.1", "localhost");
    let (username, phone, _) = app.signed_in_user().await;

    let browser = Browser::start("passkey").await;
    let authenticator = browser.add_virtual_authenticator().await;
    browser.goto(&format!("{base}/console/")).await;
    browser.wait_for("body[data-ready=true]").await;
    browser.type_into("#username", &username).await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("#password-sign-in").await;
    browser.wait_for_text("#method", "password").await;
    browser.wait_for_text("#passkeys", "No passkey yet").await;
    browser.screenshot("01-signed-in-with-password").await;

    // Operation protection: a code to the phone first.
    browser.click("#send-code").await;
    browser.wait_for_text("#notice", "code was sent").await;
    browser.type_into("#code", &app.outbox_code(&phone)).await;
    browser.click("#step-up").await;
    browser.wait_for_text("#notice", "Confirmed").await;
    browser.type_into("#passkey-name", "Work laptop").await;
    browser.click("#add-passkey").await;
    browser.wait_for_text("#notice", "Work laptop").await;
    assert!(browser.text("#passkeys").await.contains("Work laptop"));
    let held = browser.authenticator_credentials(&authenticator).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["isResidentCredential"], true, "a discoverable key");
    browser.screenshot("02-passkey-added").await;

    // Signed out, the passkey alone signs in: no username typed.
    browser.click("#sign-out").await;
    browser.wait_for("#passkey-sign-in").await;
    browser.type_into("#username", "").await;
    browser.click("#passkey-sign-in").await;
    browser.wait_for_text("#method", "passkey").await;
    browser.wait_for_text("#passkeys", "last used").await;
    let listed = browser.text("#passkeys").await;
    assert!(listed.contains("Work laptop") && listed.contains("last used"), "{listed}");
    browser.screenshot("03-signed-in-with-passkey").await;
    let errors = browser.console_errors().await;
    assert!(errors.iter().all(|e| !e.contains("Content Security Policy")), "{errors:?}");
    browser.quit().await;

    // The same key, signed by the authenticator, counted up once per sign-in.
    let account =
        app.call("POST", "/v1/sessions", None, Some(json!({ "username": username, "password": PASSWORD }))).await;
    assert_eq!(account.status, 201);
}
