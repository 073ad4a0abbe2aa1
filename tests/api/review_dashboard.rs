//! The reviewers' dashboard (issue 10): the page the project serves at `/review/` (its headers,
//! files and policy), and the page itself in a real headless Chromium (Debian's `chromium` through
//! `chromedriver`, installed by `make test`): it loads under its strict Content-Security-Policy,
//! signs staff in, and a reviewer claims, views and approves a case a customer submitted through
//! the API. Screenshots of each step go to `target/screenshots/dashboard-*.png`.

use api_tests::browser::Browser;
use api_tests::png::png;
use api_tests::*;
use serde_json::{json, Value};

fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn the_page_and_its_files_are_served_with_a_strict_policy() {
    let app = spawn_app().await;
    let page = app.call("GET", "/review/", None, None).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    let html = page.body.as_str().unwrap();
    assert!(html.contains(r#"<script src="/review/app.js" defer></script>"#), "{html}");
    let csp = header(&page, "content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    // The material's presigned URLs point at the S3 endpoint: locally the emulator.
    let emulator = std::env::var("AWS_ENDPOINT_URL").unwrap();
    assert!(csp.contains(&format!("img-src 'self' data: {emulator};")), "{csp}");
    assert_eq!(header(&page, "x-frame-options"), "DENY");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    assert_eq!(header(&page, "cache-control"), "no-cache");
    assert!(!header(&page, "x-request-id").is_empty());

    for (file, content_type) in [("app.js", "text/javascript; charset=utf-8"), ("app.css", "text/css; charset=utf-8")] {
        let got = app.call("GET", &format!("/review/{file}"), None, None).await;
        assert_eq!(got.status, 200, "{file}");
        assert_eq!(header(&got, "content-type"), content_type, "{file}");
        assert_eq!(header(&got, "cache-control"), "no-cache", "{file}");
        let etag = header(&got, "etag").to_owned();
        assert!(etag.starts_with('"'), "{file}: {etag}");
        let again =
            app.call_with_headers("GET", &format!("/review/{file}"), None, None, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "{file}: an unchanged file is not sent again");
        assert_eq!(again.body, serde_json::Value::Null);
    }

    let bare = app.call("GET", "/review", None, None).await;
    assert_eq!(bare.status, 308);
    assert_eq!(header(&bare, "location"), "/review/");

    let missing = app.call("GET", "/review/../template.yaml", None, None).await;
    assert_eq!((missing.status, missing.code()), (404, "ROUTE_NOT_FOUND"));
    let missing = app.call("GET", "/review/secrets.json", None, None).await;
    assert_eq!((missing.status, missing.code()), (404, "ROUTE_NOT_FOUND"));
    let posted = app.call("POST", "/review/", None, None).await;
    assert_eq!((posted.status, posted.code()), (405, "METHOD_NOT_ALLOWED"));
}

/// The page loads in Chromium with its script and style (nothing refused by its policy) and
/// shows the staff sign-in form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_loads_in_chromium_under_its_policy() {
    let app = spawn_app().await;
    let base = app.serve().await;
    let browser = Browser::start("dashboard-page").await;
    browser.goto(&format!("{base}/review")).await;
    browser.wait_until("the page's script ran", "return document.body.dataset.ready === 'true';", json!([])).await;
    assert_eq!(browser.script("return location.pathname;", json!([])).await, "/review/");
    // The stylesheet applied (the header's background), so the policy let it in.
    let header_bg = browser
        .script("return getComputedStyle(document.querySelector('header.top')).backgroundColor;", json!([]))
        .await;
    assert_eq!(header_bg, "rgb(21, 34, 56)");
    browser.wait_for("#sign-in-form #username").await;
    browser.wait_for("#sign-in-form #password").await;
    assert!(!browser.displayed("#dashboard").await, "the dashboard is hidden before sign-in");
    browser.screenshot("01-sign-in").await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "the console reports errors (a policy violation?): {errors:?}");
    browser.quit().await;
}

/// The sign-in form talks to the staff sign-in: a wrong password is shown as a clear error (code
/// and request id) and the password field is emptied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_refused_clearly_in_the_browser() {
    let app = spawn_app().await;
    let base = app.serve().await;
    let browser = Browser::start("dashboard-sign-in").await;
    browser.goto(&format!("{base}/review/")).await;
    browser.type_into("#username", "nobody").await;
    browser.type_into("#password", "Not-The-Password-1").await;
    browser.click("#sign-in-submit").await;
    let error = browser.wait_for_text("#error", "[").await;
    assert!(error.contains("STAFF_SIGN_IN_FAILED"), "{error}");
    assert!(error.contains("request id"), "{error}");
    assert_eq!(browser.script("return document.getElementById('password').value;", json!([])).await, "");
    assert!(!browser.displayed("#mfa-form").await, "no second step after a wrong password");
    browser.screenshot("01-refused").await;
    browser.quit().await;
}

/// The material of an MFA-unbind appeal by a person [MFA-5].
const APPEAL_MATERIAL: [&str; 4] = ["id-card-front", "id-card-back", "application-letter", "payment-proof"];

/// Moves the app's clock to the real time: the browser counts the lease down with its own clock,
/// and the emulator checks presigned URLs against the real time.
fn real_time(app: &TestApp) {
    app.clock.advance(chrono::Utc::now() - app.state().services.clock.now());
}

/// Uploads a PNG for `purpose` through the presigned PUT to the emulator's S3: its upload id.
async fn upload_png(app: &TestApp, token: &str, purpose: &str, image: &[u8]) -> String {
    let body = json!({"purpose": purpose, "content_type": "image/png", "size": image.len()});
    let started = app.call("POST", "/v1/uploads", Some(token), Some(body)).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    assert_eq!(started.body["method"], "PUT");
    let mut put = reqwest::Client::new().put(started.body["url"].as_str().unwrap());
    for (name, value) in started.body["headers"].as_object().into_iter().flatten() {
        put = put.header(name, value.as_str().unwrap());
    }
    let stored = put.body(image.to_vec()).send().await.unwrap();
    assert!(stored.status().is_success(), "the presigned PUT: {}", stored.status());
    started.body["upload_id"].as_str().unwrap().to_owned()
}

/// A customer with a virtual MFA device appeals to unbind it [MFA-5] with material uploaded
/// through the presigned URLs: (customer token, case id).
async fn mfa_unbind_appeal(app: &TestApp) -> (String, String) {
    let (_, phone, token) = app.signed_in_user().await;
    // A verified person: the reviewer compares the ID photos with this name and number.
    app.verify_by_face(&token).await;
    app.bind_totp(&token, &phone).await;
    real_time(app);
    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(security.body["totp_bound"], true, "{:?}", security.body);
    let mut material = serde_json::Map::new();
    for (i, purpose) in APPEAL_MATERIAL.iter().enumerate() {
        let id = upload_png(app, &token, purpose, &png(320 + 40 * i as u32, 200)).await;
        material.insert((*purpose).to_owned(), Value::String(id));
    }
    let appeal = app.call("POST", "/v1/appeals/mfa-unbind", Some(&token), Some(json!({"material": material}))).await;
    assert_eq!(appeal.status, 201, "{:?}", appeal.body);
    assert_eq!(appeal.body["state"], "submitted");
    (token, appeal.body["case_id"].as_str().unwrap().to_owned())
}

/// A reviewer of the staff pool, made through the sandbox as a local user would: (username,
/// password, virtual MFA secret).
async fn reviewer(base: &str) -> (String, String, String) {
    staff_user(base, &["reviewer"]).await
}

/// A staff user in `groups`, made through the sandbox: (username, password, virtual MFA secret).
async fn staff_user(base: &str, groups: &[&str]) -> (String, String, String) {
    let username = format!("rev{}", unique_username());
    let password = "Review-Desk-2026";
    let body = json!({"username": username, "password": password, "groups": groups});
    let made: Value = reqwest::Client::new()
        .post(format!("{base}/sandbox/staff"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = made["totp_secret"].as_str().unwrap_or_else(|| panic!("no staff user: {made}")).to_owned();
    (username, password.to_owned(), secret)
}

/// The staff virtual MFA code now, as the sandbox tells it.
async fn mfa_code(base: &str, secret: &str) -> String {
    let answer: Value = reqwest::Client::new()
        .get(format!("{base}/sandbox/staff/mfa-code"))
        .query(&[("secret", secret)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["code"].as_str().unwrap_or_else(|| panic!("no code: {answer}")).to_owned()
}

/// Signs in on the dashboard: password, then the virtual MFA code.
async fn sign_in(browser: &Browser, base: &str, (username, password, secret): &(String, String, String)) {
    browser.goto(&format!("{base}/review/")).await;
    browser.type_into("#username", username).await;
    browser.type_into("#password", password).await;
    browser.click("#sign-in-submit").await;
    browser.wait_for("#mfa-code").await;
    browser.type_into("#mfa-code", &mfa_code(base, secret).await).await;
    browser.click("#mfa-submit").await;
    browser.wait_for("#dashboard").await;
}

/// Approves the case on screen: the button, then the confirmation.
async fn approve(browser: &Browser) {
    browser.click("#approve").await;
    browser.wait_for("#confirm-approve-yes").await;
    browser.click("#confirm-approve-yes").await;
}

/// The issue's scenario end to end: a customer appeals through the API, a reviewer signs in on the
/// dashboard in Chromium, sees the case in the queue, claims it, sees its images load, extends the
/// lease, approves, and the customer's account shows the effect (no virtual MFA device; the case
/// approved) [MFA-5].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_claims_views_and_approves_an_appeal_in_the_browser() {
    let app = spawn_isolated_app().await;
    real_time(&app);
    let base = app.serve().await;
    let (customer, case_id) = mfa_unbind_appeal(&app).await;
    let staff = reviewer(&base).await;

    let browser = Browser::start("dashboard-approve").await;
    sign_in(&browser, &base, &staff).await;
    assert!(browser.text("#who-roles").await.contains("reviewer"));
    let row = format!("tr[data-case-id='{case_id}']");
    browser.wait_for(&row).await;
    assert_eq!(browser.text(&format!("{row} [data-testid=case-row-state]")).await, "Submitted");
    assert!(browser.text(&format!("{row} [data-testid=case-row-due]")).await.ends_with("CST"));
    assert_eq!(browser.text("#queue-waiting").await, "1");
    assert_eq!(browser.text("#queue-in-review").await, "0");
    assert!(browser.text("#queue-oldest").await.ends_with(" s") || browser.text("#queue-oldest").await.contains("min"));
    browser.screenshot("01-queue").await;

    browser.click("#claim-next").await;
    browser.wait_for_text("#case-id", &case_id).await;
    assert_eq!(browser.text("#case-state").await, "In review");
    assert_eq!(browser.text("#case-kind").await, "MFA unbind appeal");
    // Every image of the material loads from the emulator's S3 (presigned GET, allowed by the policy).
    browser
        .wait_until(
            "the material's images loaded",
            "const imgs = [...document.querySelectorAll('[data-testid=material-image]')];
             return imgs.length === arguments[0] && imgs.every(i => i.complete && i.naturalWidth > 0);",
            json!([APPEAL_MATERIAL.len()]),
        )
        .await;
    let widths = browser
        .script(
            "return [...document.querySelectorAll('[data-testid=material-image]')].map(i => i.naturalWidth);",
            json!([]),
        )
        .await;
    let mut widths: Vec<u64> = widths.as_array().unwrap().iter().map(|w| w.as_u64().unwrap()).collect();
    widths.sort_unstable();
    assert_eq!(widths, [320, 360, 400, 440], "the uploaded images, decoded by the browser");
    // The compare panel: the account's verified person beside the seed's checklist for the kind [MFA-5].
    assert_eq!(browser.text("[data-testid=verified-name]").await, "张三");
    assert_eq!(browser.text("[data-testid=verified-document_type]").await, "Mainland ID card");
    assert!(browser.text("[data-testid=verified-id_number_masked]").await.contains('*'));
    let checklist = browser.text("#checklist").await;
    assert!(checklist.contains("held by the person") && checklist.contains("payment proof"), "{checklist}");
    let caption = browser.text("[data-testid=material-caption]").await;
    assert!(caption.contains("PNG · ") && caption.contains(" KB"), "{caption}");
    browser.screenshot("02-compare").await;

    // A document full size: zoom, rotate, and a link to open it in a new tab.
    browser.click("[data-testid=material-image]").await;
    browser.wait_for("#viewer-image").await;
    browser.click("#viewer-zoom-in").await;
    browser.click("#viewer-zoom-in").await;
    browser.click("#viewer-rotate").await;
    assert_eq!(browser.text("#viewer-zoom").await, "156%");
    let shown = browser
        .script(
            "const v = document.getElementById('viewer'); const i = document.getElementById('viewer-image');
             return [v.dataset.turn, i.style.transform, document.getElementById('viewer-open').href === i.src,
                     i.complete && i.naturalWidth > 0];",
            json!([]),
        )
        .await;
    assert_eq!(shown, json!(["90", "scale(1.5625) rotate(90deg)", true, true]), "{shown}");
    browser.screenshot("03-document-zoomed").await;
    browser.click("#viewer-close").await;
    assert!(!browser.displayed("#viewer").await);

    let countdown = browser.text("#lease-countdown").await;
    assert!(countdown.starts_with("14:") || countdown.starts_with("15:"), "{countdown}");
    assert!(browser.text("#case-history").await.contains("Submitted"));
    browser.screenshot("04-claimed").await;

    browser.click("#extend-lease").await;
    browser.wait_for_text("#notice", "Lease extended").await;
    // Rejecting needs a reason: the page says so and sends nothing.
    browser.click("#reject").await;
    browser.wait_for_text("#error", "REASON_REQUIRED").await;
    browser.screenshot("05-reason-required").await;

    // Approving asks once more, naming what the checklist has not ticked.
    browser.click("#approve").await;
    browser.wait_for("#confirm-approve-no").await;
    assert!(browser.text("#confirm-unchecked").await.contains("held by the person"));
    browser.screenshot("06-confirm-approval").await;
    browser.click("#confirm-approve-no").await;
    assert_eq!(browser.text("#case-state").await, "In review", "not approved without the confirmation");
    approve(&browser).await;
    browser.wait_for_text("#case-state", "Approved").await;
    browser.wait_for_text("#notice", "approved").await;
    let history = browser.text("#case-history").await;
    assert!(history.contains("Approved") && history.contains(&staff.0), "{history}");
    assert!(!browser.displayed("#decision-form").await, "a decided case takes no second decision");
    browser
        .wait_until(
            "the queue is empty",
            "return document.getElementById('queue-waiting').innerText === '0' \
                 && document.getElementById('queue-in-review').innerText === '0';",
            json!([]),
        )
        .await;
    browser.screenshot("07-approved").await;
    let errors = browser.console_errors().await;
    assert!(errors.iter().all(|e| !e.contains("Content Security Policy")), "{errors:?}");
    browser.quit().await;

    // The customer's account shows the effect.
    let security = app.call("GET", "/v1/security", Some(&customer), None).await;
    assert_eq!(security.body["totp_bound"], false, "{:?}", security.body);
    let cases = app.call("GET", "/v1/cases", Some(&customer), None).await;
    let case = cases.body["cases"].as_array().unwrap().iter().find(|c| c["case_id"] == case_id.as_str()).unwrap();
    assert_eq!(case["state"], "approved", "{case:?}");
}

/// A case past its due time is flagged overdue in the queue; a reviewer rejects it with a reason,
/// which the customer then reads on their case; the virtual MFA device stays bound [MFA-5].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_case_is_flagged_and_a_rejection_carries_its_reason_to_the_customer() {
    let app = spawn_isolated_app().await;
    real_time(&app);
    let base = app.serve().await;
    let (customer, case_id) = mfa_unbind_appeal(&app).await;
    let staff = reviewer(&base).await;
    let browser = Browser::start("dashboard-reject").await;
    sign_in(&browser, &base, &staff).await;
    let row = format!("tr[data-case-id='{case_id}']");
    browser.wait_for(&row).await;
    assert!(!browser.displayed(&format!("{row} [data-testid=flag-overdue]")).await);

    // Five working days are at least a week: eight days later the case is past due.
    app.clock.advance(chrono::Duration::days(8));
    browser.click("#refresh-queue").await;
    browser.wait_for(&format!("{row} [data-testid=flag-overdue]")).await;
    assert_eq!(browser.text(&format!("{row} [data-testid=flag-overdue]")).await, "Overdue");
    assert!(browser.text("#queue-oldest").await.contains(" d "), "{}", browser.text("#queue-oldest").await);
    browser.screenshot("01-overdue").await;
    real_time(&app);

    browser.click("#claim-next").await;
    browser.wait_for_text("#case-id", &case_id).await;
    // A usual reason of the kind fills the text, which the reviewer may still edit.
    let reason = "The ID photos are not held by the person.";
    browser
        .script(
            "const s = document.getElementById('preset-reason'); s.value = arguments[0];
             s.dispatchEvent(new Event('change'));",
            json!([reason]),
        )
        .await;
    assert_eq!(browser.script("return document.getElementById('reason').value;", json!([])).await, json!(reason));
    browser.click("#reject").await;
    browser.wait_for_text("#case-state", "Rejected").await;
    assert!(browser.text("#case-rejection").await.contains(reason));
    assert!(browser.text("#case-history").await.contains(reason));
    browser
        .wait_until(
            "the queue is empty",
            "return document.getElementById('queue-waiting').innerText === '0' \
                 && document.getElementById('queue-in-review').innerText === '0';",
            json!([]),
        )
        .await;
    browser.screenshot("02-rejected").await;
    browser.quit().await;

    let cases = app.call("GET", "/v1/cases", Some(&customer), None).await;
    let case = cases.body["cases"].as_array().unwrap().iter().find(|c| c["case_id"] == case_id.as_str()).unwrap();
    assert_eq!(
        (case["state"].as_str(), case["rejection_reason"].as_str()),
        (Some("rejected"), Some(reason)),
        "{case:?}"
    );
    let security = app.call("GET", "/v1/security", Some(&customer), None).await;
    assert_eq!(security.body["totp_bound"], true, "a rejected appeal leaves the device bound");
}

/// A reviewer asks for a file again instead of rejecting: the case waits on its customer (filtered
/// as such, counted apart), the customer sends a new photo through the API into the same case, and
/// the reviewer picks the case from the list, claims it, sees the new photo and approves [MFA-5].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_asks_for_new_material_and_decides_the_case_sent_again_in_the_browser() {
    let app = spawn_isolated_app().await;
    real_time(&app);
    let base = app.serve().await;
    let (customer, case_id) = mfa_unbind_appeal(&app).await;
    let staff = reviewer(&base).await;
    let browser = Browser::start("dashboard-material").await;
    sign_in(&browser, &base, &staff).await;
    let row = format!("tr[data-case-id='{case_id}']");
    browser.wait_for(&row).await;
    browser.click("#claim-next").await;
    browser.wait_for_text("#case-id", &case_id).await;

    browser.click("#ask-id-card-front").await;
    browser.type_into("#reason", "The ID photo is blurred: take it again in daylight.").await;
    browser.click("#request-material").await;
    browser.wait_for_text("#case-state", "Waiting on the customer").await;
    let asked = browser.text("#case-material-request").await;
    assert!(asked.contains("Id card front") && asked.contains("blurred") && asked.contains("CST"), "{asked}");
    assert!(!browser.displayed("#decision-form").await, "the claim ended with the request");
    // Counted apart, and found by the state filter.
    browser.wait_for_text("#queue-awaiting", "1").await;
    browser
        .script(
            "const s = document.getElementById('filter-state'); s.value = 'awaiting_customer';
             s.dispatchEvent(new Event('change'));",
            json!([]),
        )
        .await;
    browser.wait_for_text(&format!("{row} [data-testid=case-row-state]"), "Waiting on the customer").await;
    browser.screenshot("01-material-asked").await;

    // The customer reads what to send, and sends a new photo into the same case.
    let cases = app.call("GET", "/v1/cases", Some(&customer), None).await;
    let case = cases.body["cases"].as_array().unwrap().iter().find(|c| c["case_id"] == case_id.as_str()).unwrap();
    assert_eq!(case["material_request"]["material"], json!(["id-card-front"]), "{case:?}");
    let photo = upload_png(&app, &customer, "id-card-front", &png(500, 300)).await;
    let sent = app
        .call("POST", &format!("/v1/cases/{case_id}/material"), Some(&customer), Some(json!({"id-card-front": photo})))
        .await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);

    // Back among the waiting cases: picked from the list and claimed there.
    browser
        .script(
            "const s = document.getElementById('filter-state'); s.value = 'waiting';
             s.dispatchEvent(new Event('change'));",
            json!([]),
        )
        .await;
    browser.wait_for_text(&format!("{row} [data-testid=case-row-state]"), "Submitted").await;
    browser.click(&format!("{row} [data-testid=view-case]")).await;
    browser.wait_for("#claim-this").await;
    browser.click("#claim-this").await;
    browser.wait_for_text("#case-state", "In review").await;
    browser
        .wait_until(
            "the new photo loaded in place of the old",
            "const imgs = [...document.querySelectorAll('[data-testid=material-image]')];
             return imgs.length === 4 && imgs.every(i => i.complete && i.naturalWidth > 0)
                 && imgs.some(i => i.naturalWidth === 500);",
            json!([]),
        )
        .await;
    assert!(browser.text("#case-material-request").await.contains("1 file(s) were sent again"));
    assert!(browser.text("#case-history").await.contains("material sent again"));
    browser.screenshot("02-sent-again-claimed").await;
    approve(&browser).await;
    browser.wait_for_text("#case-state", "Approved").await;
    browser.screenshot("03-approved").await;
    browser.quit().await;
    let security = app.call("GET", "/v1/security", Some(&customer), None).await;
    assert_eq!(security.body["totp_bound"], false, "{:?}", security.body);
}

/// A phone-rebind appeal and a name/ID case, each opened from the list and claimed there: the
/// compare panel shows what each is checked against (the new phone beside the verified person; the
/// person as submitted beside an account with no identity), with the seed's checklist [ACC-4,
/// KYC-P7].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_compares_a_phone_rebind_and_a_name_id_case_in_the_browser() {
    let app = spawn_isolated_app().await;
    real_time(&app);
    let base = app.serve().await;
    // A verified person whose phone is lost appeals to rebind it to a new one, proven by its code.
    let (_, _, rebinder) = app.signed_in_user().await;
    app.verify_by_face(&rebinder).await;
    real_time(&app);
    let new_phone = unique_phone();
    let sent =
        app.call("POST", "/v1/sms-codes", None, Some(json!({ "phone": new_phone, "purpose": "phone-rebind" }))).await;
    let mut material = serde_json::Map::new();
    for purpose in APPEAL_MATERIAL {
        material.insert(purpose.to_owned(), json!(upload_png(&app, &rebinder, purpose, &png(360, 240)).await));
    }
    let body = json!({ "new_phone": new_phone, "challenge_id": sent.body["challenge_id"],
        "code": app.outbox_code(&new_phone), "material": material });
    let rebind = app.call("POST", "/v1/appeals/phone-rebind", Some(&rebinder), Some(body)).await;
    assert_eq!(rebind.status, 201, "{:?}", rebind.body);
    // A person whose name changed officially opens a support case with the household register.
    let (_, _, renamed) = app.signed_in_user().await;
    let register = upload_png(&app, &renamed, "household-register", &png(480, 320)).await;
    let id_number = unique_id_number();
    let person = json!({ "document_type": "mainland_id_card", "name": "李新名", "id_number": id_number,
        "agreement": personal_agreement(), "material": { "household-register": register } });
    let identity = app.call("POST", "/v1/verifications/personal/support-cases", Some(&renamed), Some(person)).await;
    assert_eq!(identity.status, 201, "{:?}", identity.body);

    let staff = reviewer(&base).await;
    let browser = Browser::start("dashboard-compare").await;
    sign_in(&browser, &base, &staff).await;
    for (case, shot) in [(&rebind.body, "01-phone-rebind"), (&identity.body, "02-name-id")] {
        let id = case["case_id"].as_str().unwrap();
        let row = format!("tr[data-case-id='{id}']");
        browser.wait_for(&row).await;
        browser.click(&format!("{row} [data-testid=view-case]")).await;
        browser.wait_for_text("#case-id", id).await;
        browser.wait_for("#claim-this").await;
        browser.click("#claim-this").await;
        browser.wait_for_text("#case-state", "In review").await;
        browser
            .wait_until(
                "the material's images loaded",
                "const imgs = [...document.querySelectorAll('[data-testid=material-image]')];
                 return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);",
                json!([]),
            )
            .await;
        let checklist = browser.text("#checklist").await;
        if case["kind"] == "phone_rebind" {
            assert_eq!(browser.text("[data-testid=verified-name]").await, "张三");
            let shown = browser.text("[data-testid=detail-new_phone]").await;
            assert!(shown.contains('*') && shown.ends_with(&new_phone[new_phone.len() - 4..]), "{shown}");
            assert!(checklist.contains("upper body in the photo"), "{checklist}");
        } else {
            assert!(browser.displayed("[data-testid=not-verified]").await);
            assert_eq!(browser.text("[data-testid=detail-name]").await, "李新名");
            assert_eq!(browser.text("[data-testid=detail-id_number]").await, id_number);
            assert!(checklist.contains("household register page shows the name and ID number"), "{checklist}");
        }
        browser.screenshot(shot).await;
        approve(&browser).await;
        browser.wait_for_text("#case-state", "Approved").await;
    }
    browser.quit().await;
    let me = app.call("GET", "/v1/accounts/me", Some(&renamed), None).await;
    assert_eq!(me.body["verification"]["state"], "personal", "{:?}", me.body);
}

/// An enterprise application whose certificate (and letter) are PNGs uploaded through the
/// presigned URLs, so the browser decodes them.
async fn enterprise_with_pngs(
    app: &TestApp,
    token: &str,
    method: &str,
    org_type: &str,
    kind: &str,
    extra: Value,
) -> Value {
    let mut body = app.enterprise_body(token, method, org_type, &uscc(kind), extra).await;
    body["material"]["org-certificate"] = json!(upload_png(app, token, "org-certificate", &png(480, 300)).await);
    if body["role"] == "authorised_person" {
        body["material"]["authorisation-letter"] =
            json!(upload_png(app, token, "authorisation-letter", &png(300, 420)).await);
    }
    let started = app.start_enterprise(token, &body).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    started.body
}

/// Both manual-review paths of enterprise verification in the browser [KYC-E4, KYC-E5]: another
/// organisation's face check done by an authorised person (certificate and letter), and a
/// corporate transfer whose right amount hit a risk rule; the reviewer sees the organisation's
/// data, the face result and the images, approves both, and both accounts are enterprise-verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_approves_both_kinds_of_enterprise_review_in_the_browser() {
    let app = spawn_isolated_app().await;
    real_time(&app);
    let base = app.serve().await;

    // Another organisation, an authorised person with the stamped letter.
    let (_, _, group) = app.signed_in_user().await;
    let authorised =
        json!({"role": "authorised_person", "authorised_person": {"name": "王五", "id_number": unique_id_number()}});
    let started = enterprise_with_pngs(&app, &group, "legal_face", "social_group", "51", authorised).await;
    assert_eq!(app.scan_face(started["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    let group_application = started["application_id"].as_str().unwrap().to_owned();

    // A corporate transfer into an account the risk rules flag (sandbox: ending 0006).
    let (_, _, company) = app.signed_in_user().await;
    let account = corporate_account("0006");
    let handler =
        json!({"bank": "CMB", "account_number": account, "handler": {"name": "李四", "id_number": unique_id_number()}});
    let started = enterprise_with_pngs(&app, &company, "corporate_transfer", "enterprise", "91", handler).await;
    assert_eq!(app.scan_face(started["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    app.sandbox("POST", "/sandbox/payouts/settle", None).await;
    let amount = app.statement(&account).await.pop().expect("the deposit arrived");
    let transfer_application = started["application_id"].as_str().unwrap().to_owned();
    let path = format!("/v1/enterprise/applications/{transfer_application}/amount");
    let entered = app.call("POST", &path, Some(&company), Some(json!({"amount": amount}))).await;
    assert_eq!(entered.body["state"], "in_review", "{:?}", entered.body);

    let staff = reviewer(&base).await;
    let browser = Browser::start("dashboard-enterprise").await;
    sign_in(&browser, &base, &staff).await;
    browser
        .wait_until(
            "both cases are in the queue",
            "return document.querySelectorAll('tr[data-case-id]').length === 2;",
            json!([]),
        )
        .await;
    browser.screenshot("01-queue").await;
    let mut seen = vec![];
    for step in ["02", "03"] {
        browser.click("#claim-next").await;
        browser.wait_for_text("#case-state", "In review").await;
        assert_eq!(browser.text("#case-kind").await, "Enterprise verification");
        assert_eq!(browser.text("[data-testid=detail-organisation]").await, "云杉数据科技有限公司");
        assert!(browser.text("[data-testid=detail-face_result]").await.starts_with("passed"));
        let shown = browser.text("[data-testid=detail-reason]").await;
        let reason =
            if shown == "Other organisation (always reviewed)" { "other_organisation" } else { "transfer_risk" };
        let images = if reason == "other_organisation" {
            assert_eq!(browser.text("[data-testid=detail-certificate]").await, "社会团体法人登记证书");
            assert!(browser.text("[data-testid=detail-face_check]").await.contains("王五"));
            2
        } else {
            assert_eq!(shown, "A risk rule fired on the transfer");
            assert!(browser.text("[data-testid=detail-corporate_account]").await.starts_with("招商银行"));
            1
        };
        browser
            .wait_until(
                "the certificate (and letter) loaded",
                "const imgs = [...document.querySelectorAll('[data-testid=material-image]')];
                 return imgs.length === arguments[0] && imgs.every(i => i.complete && i.naturalWidth > 0);",
                json!([images]),
            )
            .await;
        browser.screenshot(&format!("{step}-{reason}")).await;
        approve(&browser).await;
        browser.wait_for_text("#case-state", "Approved").await;
        seen.push(reason);
    }
    seen.sort();
    assert_eq!(seen, ["other_organisation", "transfer_risk"]);
    browser.quit().await;

    for (token, application) in [(&group, &group_application), (&company, &transfer_application)] {
        assert_eq!(app.application(token, application).await["state"], "verified");
        let me = app.call("GET", "/v1/accounts/me", Some(token), None).await;
        assert_eq!(me.body["verification"]["state"], "enterprise", "{:?}", me.body);
    }
}

/// A signed-in account verified as a company (its legal representative's face): its token.
async fn verified_company(app: &TestApp) -> String {
    let (_, _, token) = app.signed_in_user().await;
    let body = app.enterprise_body(&token, "legal_face", "enterprise", &uscc("91"), json!({})).await;
    let started = app.start_enterprise(&token, &body).await;
    assert_eq!(app.scan_face(started.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    token
}

/// The reviewed changes of subject in the browser [CHG-2, CHG-3]: a name the registry did not
/// confirm (licence and change form) and a change of organisation (the stamped form, the
/// contact's face check); the reviewer sees both subjects and approves; the name changes at once,
/// the change of organisation waits for the new subject (9 days).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_approves_the_changes_of_subject_in_the_browser() {
    let app = spawn_isolated_app().await;
    real_time(&app);
    let base = app.serve().await;
    let agreements = json!([
        {"id": "subject-change-application-agreement", "version": "2024-06"},
        {"id": "subject-change-acceptance-agreement", "version": "2024-06"},
    ]);
    // A new name the registry has not confirmed, with the change application form.
    let renamed = verified_company(&app).await;
    let licence = upload_png(&app, &renamed, "org-certificate", &png(400, 280)).await;
    let form = upload_png(&app, &renamed, "change-form", &png(280, 400)).await;
    let body = json!({"kind": "enterprise_name", "agreements": agreements, "new_name": "云杉未登记科技有限公司",
        "material": {"org-certificate": licence, "change-form": form}});
    let started = app.call("POST", "/v1/subject-changes", Some(&renamed), Some(body)).await;
    assert_eq!(started.body["state"], "in_review", "{:?}", started.body);
    // A change of organisation, its contact's face check passed and its stamped form uploaded.
    let moved = verified_company(&app).await;
    let body = json!({"kind": "enterprise_subject", "agreements": [agreements[0]],
        "new_subject": {"organisation_type": "enterprise", "name": "松柏云计算有限公司", "uscc": uscc("91")},
        "reason": "the business moved to the group's new company", "contact": {"name": "赵六", "id_number": unique_id_number()}});
    let started = app.call("POST", "/v1/subject-changes", Some(&moved), Some(body)).await;
    let id = started.body["change_id"].as_str().unwrap().to_owned();
    let face = app
        .call("POST", &format!("/v1/subject-changes/{id}/owner-proof"), Some(&moved), Some(json!({"method": "face"})))
        .await;
    assert_eq!(app.scan_face(face.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    let stamped = upload_png(&app, &moved, "change-form", &png(300, 420)).await;
    let submitted = app
        .call(
            "POST",
            &format!("/v1/subject-changes/{id}/new-subject"),
            Some(&moved),
            Some(json!({"material": {"change-form": stamped}})),
        )
        .await;
    assert_eq!(submitted.body["state"], "in_review", "{:?}", submitted.body);

    let staff = reviewer(&base).await;
    let browser = Browser::start("dashboard-changes").await;
    sign_in(&browser, &base, &staff).await;
    browser
        .wait_until(
            "both cases are queued",
            "return document.querySelectorAll('tr[data-case-id]').length === 2;",
            json!([]),
        )
        .await;
    let mut kinds = vec![];
    for step in ["01", "02"] {
        browser.click("#claim-next").await;
        browser.wait_for_text("#case-state", "In review").await;
        let kind = browser.text("#case-kind").await;
        let images = if kind == "Organisation name change" {
            assert_eq!(browser.text("[data-testid=detail-new_name]").await, "云杉未登记科技有限公司");
            assert_eq!(browser.text("[data-testid=detail-old_name]").await, "云杉数据科技有限公司");
            2
        } else {
            assert_eq!(kind, "Change of organisation");
            assert!(browser.text("[data-testid=detail-new_subject]").await.starts_with("松柏云计算有限公司"));
            assert!(browser.text("[data-testid=detail-original_contact]").await.contains("赵六"));
            1
        };
        browser
            .wait_until(
                "the material loaded",
                "const imgs = [...document.querySelectorAll('[data-testid=material-image]')];
                 return imgs.length === arguments[0] && imgs.every(i => i.complete && i.naturalWidth > 0);",
                json!([images]),
            )
            .await;
        browser.screenshot(&format!("{step}-{}", kind.replace(' ', "-"))).await;
        approve(&browser).await;
        browser.wait_for_text("#case-state", "Approved").await;
        kinds.push(kind);
    }
    kinds.sort();
    assert_eq!(kinds, ["Change of organisation", "Organisation name change"]);
    browser.quit().await;

    let name = app.call("GET", "/v1/accounts/me", Some(&renamed), None).await.body["verification"]["name"].clone();
    assert_eq!(name, "云杉未登记科技有限公司");
    let history = app.call("GET", "/v1/subject-changes", Some(&moved), None).await;
    assert_eq!(history.body["changes"][0]["state"], "awaiting_new_enterprise", "{:?}", history.body);
}

/// The lead's screen: the figures per kind, a case's audit trail, and the claim a reviewer holds
/// taken back to the queue [issue 28].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_reads_the_figures_and_the_audit_trail_and_releases_a_claim_in_the_browser() {
    let app = spawn_isolated_app().await;
    real_time(&app);
    let base = app.serve().await;
    let (customer, case_id) = mfa_unbind_appeal(&app).await;
    let holder = app.staff(&["reviewer"]).await;
    app.claim(&holder).await.expect("the case waits");
    let lead = staff_user(&base, &["reviewer", "lead"]).await;
    let me = app.call("GET", "/v1/accounts/me", Some(&customer), None).await;
    let account_id = me.body["account_id"].as_str().unwrap().to_owned();

    let browser = Browser::start("dashboard-lead").await;
    sign_in(&browser, &base, &lead).await;
    let row = "#figures-body tr[data-kind='mfa_unbind']";
    browser.wait_for(row).await;
    assert_eq!(browser.text(&format!("{row} [data-testid=figure-open]")).await, "1");
    assert_eq!(browser.text(&format!("{row} [data-testid=figure-in-review]")).await, "1");
    browser.screenshot("01-figures").await;

    // The queue's filters and search: the case shows where it belongs, and only there.
    let listed = format!("tr[data-case-id='{case_id}']");
    browser.wait_for(&listed).await;
    let pick = |id: &'static str, value: &'static str| {
        let browser = &browser;
        async move {
            browser
                .script(
                    "const s = document.getElementById(arguments[0]); s.value = arguments[1];
                     s.dispatchEvent(new Event('change'));",
                    json!([id, value]),
                )
                .await;
        }
    };
    pick("filter-kind", "phone_rebind").await;
    browser.wait_for("#open-cases-empty").await;
    pick("filter-kind", "mfa_unbind").await;
    browser.wait_for(&listed).await;
    pick("filter-state", "waiting").await;
    browser.wait_for("#open-cases-empty").await;
    pick("filter-state", "in_review").await;
    browser.wait_for(&listed).await;
    browser.screenshot("02-filtered").await;
    pick("filter-state", "").await;
    pick("filter-kind", "").await;
    // Each search after one that found nothing, so the row shown is the search's own answer.
    for search in ["no-such-case", case_id.as_str(), "no-such-case", account_id.as_str()] {
        browser.type_into("#filter-q", search).await;
        browser.click("#filter-apply").await;
        if search == "no-such-case" {
            browser.wait_for("#open-cases-empty").await;
        } else {
            browser.wait_for(&listed).await;
        }
    }

    // Viewed from the search's answer (the account's cases).
    browser.wait_for(&format!("{listed} [data-testid=view-case]")).await;
    browser.click(&format!("{listed} [data-testid=view-case]")).await;
    browser.wait_for_text("#case-id", &case_id).await;
    browser.wait_for("[data-testid=audit-entry]").await;
    let trail = browser.text("#audit-trail").await;
    assert!(trail.contains(&holder.username) && trail.contains("Claim"), "{trail}");
    browser.screenshot("03-audit-trail").await;

    browser.click("#lead-release").await;
    browser.wait_for_text("#notice", "released").await;
    browser.wait_for_text("#case-state", "Submitted").await;
    browser.click("#refresh-figures").await;
    browser.wait_for_text(&format!("{row} [data-testid=figure-in-review]"), "0").await;
    assert!(browser.text("#audit-trail").await.contains("Lead release"));
    browser.screenshot("04-released").await;
    browser.quit().await;

    // Another reviewer claims it at once.
    let next = app.staff(&["reviewer"]).await;
    let (_, case) = app.claim(&next).await.expect("back on the queue");
    assert_eq!(case["case_id"], case_id.as_str());
}
