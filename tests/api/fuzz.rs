//! The API description against the running code, as each kind of account sees it (issue 26):
//! schemathesis (the pinned one `make test` installs) generates requests from
//! `infra/openapi.json` for every operation and checks that no answer is a server error and every
//! answer matches its schema: signed in as a plain account, as a personally verified one and as
//! an enterprise-verified one (whose answers hold the states a plain account never reaches).
//! `make test` runs it through `infra/scripts/api_fuzz.sh` (`FUZZ_SCHEMATHESIS` names the tool);
//! elsewhere it is ignored.

use api_tests::*;
use serde_json::json;

/// schemathesis against `base`, signed in with `token`: whether it found nothing.
async fn schemathesis(tool: &str, base: &str, token: &str, examples: &str) -> bool {
    let description = local_env::settings::repo_root().join("infra/openapi.json");
    let status = tokio::process::Command::new(tool)
        .arg("run")
        .arg(description)
        .args(["--base-url", base, "--checks", "not_a_server_error,response_schema_conformance"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--generation-with-security-parameters", "false"])
        // Signing out would end the token's session half-way: the rest would only answer 401.
        .args(["--exclude-operation-id", "sign_out"])
        .args(["--hypothesis-max-examples", examples, "--hypothesis-seed", "1", "--hypothesis-deadline", "none"])
        .args(["--workers", "2", "--no-color"])
        .status()
        .await
        .expect("schemathesis runs");
    status.success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "make test runs it with schemathesis (infra/scripts/api_fuzz.sh)"]
async fn schemathesis_finds_no_server_error_nor_schema_break_for_any_kind_of_account() {
    let tool = std::env::var("FUZZ_SCHEMATHESIS").expect("FUZZ_SCHEMATHESIS names the schemathesis to run");
    let examples = std::env::var("FUZZ_EXAMPLES").unwrap_or_else(|_| "25".into());
    let app = spawn_app().await;
    let (_, _, plain) = app.signed_in_user().await;
    let (_, _, personal) = app.signed_in_user().await;
    app.verify_by_face(&personal).await;
    let (_, _, enterprise) = app.signed_in_user().await;
    let body = app.enterprise_body(&enterprise, "legal_face", "enterprise", &uscc("91"), json!({})).await;
    let started = app.start_enterprise(&enterprise, &body).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    let qr = started.body["face"]["qr_payload"].as_str().unwrap().to_owned();
    assert_eq!(app.scan_face(&qr, "pass").await.status, 204);
    for (token, state) in [(&personal, "personal"), (&enterprise, "enterprise")] {
        let me = app.call("GET", "/v1/accounts/me", Some(token), None).await;
        assert_eq!(me.body["verification"]["state"], state, "{:?}", me.body);
    }
    let base = app.serve().await;
    let mut failed = vec![];
    // The verified accounts with fewer examples: what differs for them is which states they read.
    let fewer = (examples.parse::<u32>().unwrap_or(25) / 2).max(1).to_string();
    let runs = [
        ("plain", &plain, &examples),
        ("personally verified", &personal, &fewer),
        ("enterprise-verified", &enterprise, &fewer),
    ];
    for (who, token, examples) in runs {
        eprintln!("schemathesis signed in as the {who} account ({examples} examples per operation)");
        if !schemathesis(&tool, &base, token, examples).await {
            failed.push(who);
        }
    }
    assert!(failed.is_empty(), "schemathesis found failures as: {failed:?} (its report is above)");
}
