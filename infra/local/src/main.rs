//! `local-env serve`: provisions the emulator from template.yaml and serves every route of it on
//! 127.0.0.1 (port 3000 unless `--port N`). Expects `AWS_ENDPOINT_URL` to point at the emulator
//! (the run command starts it and sets it).

use local_env::settings::{local_config, random_data_key, repo_root};
use local_env::{provision, server, Gateway, Template};
use shared::adapters::clock::ShiftedClock;
use shared::crypto::TokenPublicKey;
use std::collections::BTreeSet;
use std::sync::Arc;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The local staff users' password (local only: the emulator's users are gone when it stops).
const LOCAL_STAFF_PASSWORD: &str = "Review-Desk-2026";

/// Checks the AWS calls the tests recorded against each function's policy (least privilege).
fn permissions(log: &str) -> Result<(), BoxError> {
    let template = Template::load(&repo_root().join("template.yaml"))?;
    let calls = std::fs::read_to_string(log).map_err(|e| format!("{log}: {e}"))?;
    let report = local_env::permissions::check(&template, &calls);
    for (function, grants) in &report.unused {
        for (action, resource) in grants {
            println!("unused (or untested): {function}: {action} on {resource}");
        }
    }
    for (function, needs) in &report.missing {
        for (action, resource) in needs {
            println!("MISSING: {function} calls {action} on {resource}, which its policy does not allow");
        }
    }
    println!(
        "{} distinct calls of {} functions checked against template.yaml; {} missing",
        report.checked,
        template.functions.len(),
        report.missing.values().map(BTreeSet::len).sum::<usize>()
    );
    if report.checked == 0 {
        return Err("no AWS call was recorded: run the tests with AWS_CALL_LOG set".into());
    }
    if report.missing.is_empty() {
        Ok(())
    } else {
        Err("a function lacks a permission for a call it makes".into())
    }
}

/// The operator's secrets command (`local_env::secret_admin`): `status`, `put <group> [--file F]`,
/// `new-token-key [--kid K]` and `promote-token-key`, each with `--stack <name>` (or
/// `SECRET_NAME_PREFIX`).
async fn secrets(args: &[String]) -> Result<(), BoxError> {
    use local_env::secret_admin;
    let usage = "usage: local-env secrets (status | put <group> [--file F] | new-token-key [--kid K] [--replace] | promote-token-key [--force]) [--stack <name>]";
    let ids = secret_admin::secret_ids(args, |name| std::env::var(name).ok());
    let client =
        aws_sdk_secretsmanager::Client::new(&aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await);
    match args.first().map(String::as_str) {
        Some("put") => {
            let name = args.get(1).ok_or(usage)?;
            let group = secret_admin::group(name).ok_or_else(|| format!("no secret group named {name}"))?;
            let file = args.iter().position(|a| a == "--file").and_then(|i| args.get(i + 1));
            let value = secret_admin::read_value(group, file.map(String::as_str))?;
            secret_admin::put(&client, &ids.id(group), group, &value).await?;
            println!("{}: written (the functions read it at their next cold start)", group.logical_id);
        }
        Some("status") => {
            for (group, state) in secret_admin::status(&client, &ids).await {
                match state {
                    Ok(problems) if problems.is_empty() => println!("{}: ok", group.logical_id),
                    Ok(problems) => println!("{}: {}", group.logical_id, problems.join("; ")),
                    Err(why) => println!("{}: {why}", group.logical_id),
                }
            }
            if let Ok(keys) = secret_admin::token_public_keys(&client, &ids).await {
                println!("TokenPublicKeys={}", TokenPublicKey::list(&keys));
            }
        }
        Some("new-token-key") => {
            let kid = args
                .iter()
                .position(|a| a == "--kid")
                .and_then(|i| args.get(i + 1))
                .cloned()
                .unwrap_or_else(|| chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string());
            let how = if args.iter().any(|a| a == "--replace") {
                secret_admin::NewKey::Replace
            } else {
                secret_admin::NewKey::Add
            };
            let keys = secret_admin::new_token_key(&client, &ids, &kid, how).await?;
            println!(
                "TokenKeysSecret: key {kid} written ({})",
                if keys.len() > 1 { "staged: promote it once the stack knows it" } else { "it signs" }
            );
            println!("deploy with: TokenPublicKeys={}", TokenPublicKey::list(&keys));
        }
        Some("promote-token-key") => {
            let stack = args.iter().position(|a| a == "--stack").and_then(|i| args.get(i + 1));
            let deployed = match stack {
                Some(stack) if !args.iter().any(|a| a == "--force") => {
                    Some(stack_parameter(stack, "TokenPublicKeys").await?)
                }
                _ => None,
            };
            let both = secret_admin::promote_token_key(&client, &ids, deployed.as_deref()).await?;
            println!("TokenKeysSecret: the staged key signs from the functions' next start (deploy with a new SecretsGeneration)");
            println!("keep until the old key's tokens expire (24 h): TokenPublicKeys={}", TokenPublicKey::list(&both));
            println!("then deploy with: TokenPublicKeys={}", TokenPublicKey::list(&both[1..]));
        }
        _ => return Err(usage.into()),
    }
    Ok(())
}

/// A deployed stack's parameter value (CloudFormation `DescribeStacks`).
async fn stack_parameter(stack: &str, name: &str) -> Result<String, BoxError> {
    let client =
        aws_sdk_cloudformation::Client::new(&aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await);
    let described = client.describe_stacks().stack_name(stack).send().await?;
    let parameters = described.stacks().first().map(|s| s.parameters()).unwrap_or_default();
    let value = parameters.iter().find(|p| p.parameter_key() == Some(name)).and_then(|p| p.parameter_value());
    Ok(value.unwrap_or_default().to_owned())
}

/// The operator's staff command (`local_env::staff_admin`): `invite <username> --email E --role
/// reviewer|lead` and `remove <username>`, each with `--stack <name>` (without it, the local pool).
async fn staff(args: &[String]) -> Result<(), BoxError> {
    use local_env::staff_admin::{self, Role};
    let usage = "usage: local-env staff (invite <username> --email <address> --role reviewer|lead | remove <username>) [--stack <name>]";
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str);
    let client = aws_sdk_cognitoidentityprovider::Client::new(
        &aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
    );
    let username = args.get(1).filter(|u| !u.starts_with("--")).ok_or(usage)?;
    let pool = staff_admin::pool_id(&client, flag("--stack")).await?;
    match args.first().map(String::as_str) {
        Some("invite") => {
            let role = flag("--role").and_then(Role::parse).ok_or(usage)?;
            let email = flag("--email").ok_or(usage)?;
            // In AWS (`--stack`) Cognito makes the temporary password and only the invitee's
            // mailbox sees it; the local pool sends no mail, so the command makes it and shows it.
            let local = flag("--stack").is_none().then(staff_admin::temporary_password);
            staff_admin::invite(&client, &pool, username, email, role, local.as_deref()).await?;
            println!(
                "{username}: invited as {}; Cognito e-mails the temporary password (valid 7 days)",
                role.groups().join(" and ")
            );
            if let Some(password) = local {
                println!("  (the local pool sends no e-mail: the temporary password is {password})");
            }
        }
        Some("remove") => {
            staff_admin::remove(&client, &pool, username).await?;
            println!("{username}: disabled and its refresh tokens revoked (an access token already issued works until it expires, within the hour)");
        }
        _ => return Err(usage.into()),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_target(false)
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .finish()
        .with(functions::lambda::log_filter(std::env::var("RUST_LOG").ok().as_deref(), "info"))
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("openapi") {
        let template = Template::load(&repo_root().join("template.yaml"))?;
        println!(
            "{}",
            serde_json::to_string_pretty(&local_env::openapi::document(
                &template,
                &std::fs::read_to_string(repo_root().join("README.md"))?
            ))?
        );
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("error-table") {
        print!("{}", local_env::openapi::error_table());
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("secrets") {
        return secrets(&args[1..]).await;
    }
    if args.first().map(String::as_str) == Some("staff") {
        return staff(&args[1..]).await;
    }
    if args.first().map(String::as_str) == Some("permissions") {
        return permissions(args.get(1).ok_or("usage: local-env permissions <AWS call log>")?);
    }
    if args.first().map(String::as_str) != Some("serve") {
        return Err("usage: local-env serve [--port N] | local-env openapi | local-env error-table | local-env permissions <log> | local-env secrets (status | put <group> [--file F]) [--stack <name>] | local-env staff (invite | remove) ...".into());
    }
    let port: u16 = args
        .iter()
        .position(|a| a == "--port")
        .and_then(|i| args.get(i + 1))
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(3000);
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .map_err(|_| "AWS_ENDPOINT_URL is not set: start the emulator first (make run does)")?;

    let root = repo_root();
    let template = Template::load(&root.join("template.yaml"))?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    provision::provision(&sdk, &template).await?;

    let outboxes = root.join(".local");
    std::fs::create_dir_all(&outboxes)?;
    let staff_pool = local_env::staff::staff_pool(&endpoint).await?;
    let mut config = local_config(random_data_key(), Some(&outboxes), staff_pool.clone());
    config.token_public_keys =
        local_env::secret_admin::token_public_keys(&aws_sdk_secretsmanager::Client::new(&sdk), &config.secrets).await?;
    config.oauth = local_env::settings::sandbox_oauth(port);
    // STAFF_SIGN_IN=issuer: the staff sign in with the sandbox OpenID Connect issuer, as where
    // Cognito is absent (the China regions); otherwise with the emulator's staff pool.
    let issuer = (std::env::var("STAFF_SIGN_IN").as_deref() == Ok("issuer")).then(|| {
        Arc::new(local_env::staff_issuer::SandboxIssuer::new(&format!("http://127.0.0.1:{port}"), "local-dashboard"))
    });
    if let Some(issuer) = &issuer {
        local_env::settings::use_staff_issuer(&mut config, issuer);
    }
    let clock = Arc::new(ShiftedClock::default());
    let state = Arc::new(functions::AppState::new(&config, clock.clone()).await?);
    let gateway = Gateway::new(&template, state)?.with_shifted_clock(clock);
    let gateway = Arc::new(match &issuer {
        Some(issuer) => gateway.with_staff_issuer(issuer.clone()),
        None => gateway.with_staff_pool(staff_pool.clone()),
    });
    // A reviewer and a lead to sign in with (the emulator forgets them when it stops).
    let mut staff_lines = vec![];
    for (username, groups) in [("reviewer", &["reviewer"][..]), ("lead", &["reviewer", "lead"][..])] {
        if let Some(issuer) = &issuer {
            issuer.add_user(username, &groups.iter().map(|g| g.to_string()).collect::<Vec<_>>());
            staff_lines.push(format!("  {username:<9} at the sandbox issuer {}/authorize", issuer.url()));
            continue;
        }
        let secret = local_env::staff::create_staff(&staff_pool, username, LOCAL_STAFF_PASSWORD, groups).await?;
        staff_lines.push(format!("  {username:<9} password {LOCAL_STAFF_PASSWORD}, virtual MFA secret {secret}"));
    }

    // The schedules (EventBridge Scheduler): the deadline sweeper every minute here.
    let scheduler = gateway.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            if let Err(fault) = scheduler.fire_schedules().await {
                eprintln!("schedules: {fault}");
            }
        }
    });

    // The event-source mappings: poll each worker's queue, as Lambda does for SQS.
    let poller = gateway.clone();
    tokio::spawn(async move {
        loop {
            if let Err(fault) = poller.drain_all().await {
                eprintln!("queue workers: {fault}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    });

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let routes: Vec<String> = template
        .functions
        .iter()
        .flat_map(|f| {
            f.routes.iter().map(move |r| {
                format!(
                    "  {:<7} {:<24} -> {}",
                    r.method.as_deref().unwrap_or("*"),
                    r.path.as_deref().unwrap_or("$default"),
                    f.binary
                )
            })
        })
        .collect();
    println!(
        "\nAccount centre listening on http://127.0.0.1:{port}\n  emulator (moto): {endpoint}\n  tables, bucket and queues created from template.yaml\n\nRoutes:\n{}\n\nReview dashboard: http://127.0.0.1:{port}/review/  (sign in as below; the MFA code: GET /sandbox/staff/mfa-code)\n{staff}\n  clock:        curl -s -X POST http://127.0.0.1:{port}/sandbox/clock/advance -d '{{\"hours\":24}}'  (deadlines pass; the sweeper runs every minute)\n\nSandbox providers (see the README for their test data):\n  SMS outbox:   curl -s http://127.0.0.1:{port}/sandbox/sms-outbox    (or tail -f {dir}/sms-outbox.jsonl)\n  email outbox: curl -s http://127.0.0.1:{port}/sandbox/email-outbox  (or tail -f {dir}/email-outbox.jsonl)\n  face app:     curl -s -X POST http://127.0.0.1:{port}/sandbox/face-app/scan -d '{{\"qr_payload\":\"...\",\"outcome\":\"pass\"}}'\n  third party:  http://127.0.0.1:{port}/sandbox/oauth/{{wechat,qq,weibo}}/authorize (the authorize_url of POST /v1/oauth/{{provider}}/authorizations; add &user=alice)\nCORS allowed for: {origins}\nCtrl-C stops everything.\n",
        routes.join("\n"),
        dir = outboxes.display(),
        staff = staff_lines.join("\n"),
        origins = config.cors_allowed_origins.join(", ")
    );
    server::serve(listener, gateway, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}
