//! The operator's secrets command (`local-env secrets ...`): writes a secret group from a file
//! or from prompts that do not echo (so no value reaches the shell's history or the terminal),
//! refuses a value whose shape or lengths are wrong before anything is written, and says what is
//! still missing in every group. Each group is named as the functions find it: the stack's name,
//! a dash and its logical id (`--stack <name>`, or `SECRET_NAME_PREFIX` as the functions have
//! it; locally no prefix).

use shared::crypto::{self, TokenPublicKey};
use shared::secrets::{SecretGroup, SecretIds, SecretValues, GROUPS, TOKEN_KEYS};
use std::collections::HashMap;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A group by its logical id (`MessagingSecret`) or its short name (`messaging`).
pub fn group(name: &str) -> Option<SecretGroup> {
    let short = |g: &SecretGroup| g.logical_id.trim_end_matches("Secret").to_ascii_lowercase();
    GROUPS.iter().copied().find(|g| g.logical_id == name || short(g) == name.to_ascii_lowercase())
}

/// Where the groups are: `--stack <name>` (its secrets are `<name>-<logical id>`), else
/// `SECRET_NAME_PREFIX` from `lookup`, else the local names.
pub fn secret_ids(args: &[String], lookup: impl Fn(&str) -> Option<String>) -> SecretIds {
    match args.iter().position(|a| a == "--stack").and_then(|i| args.get(i + 1)) {
        Some(stack) => SecretIds::named(format!("{stack}-")),
        None => SecretIds::named(lookup("SECRET_NAME_PREFIX").unwrap_or_default()),
    }
}

/// The value to write, checked: a JSON object of strings whose required keys are all set and
/// whose keys and shared secrets are long enough. The error names keys, never values.
pub fn checked(group: SecretGroup, text: &str) -> Result<HashMap<String, String>, String> {
    let value: HashMap<String, String> =
        serde_json::from_str(text).map_err(|_| format!("{} must be a JSON object of strings", group.logical_id))?;
    let unknown: Vec<&String> = value.keys().filter(|k| !known_key(group, k)).collect();
    if !unknown.is_empty() {
        return Err(format!("{} has no key named {unknown:?}", group.logical_id));
    }
    let problems = SecretValues::problems(group, &value);
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(problems.join("; "))
    }
}

/// The keys a group may hold: its required ones, the token key staged for a rotation, and the
/// identity providers' client secrets.
fn known_key(group: SecretGroup, key: &str) -> bool {
    group.keys.contains(&key)
        || (group.logical_id == "TokenKeysSecret" && ["next_kid", "next_key"].contains(&key))
        || (group.logical_id == "OAuthSecret"
            && ["wechat_client_secret", "qq_client_secret", "weibo_client_secret"].contains(&key))
}

/// Writes a checked value to the group's secret (a new version; the functions read it at their
/// next cold start).
pub async fn put(
    client: &aws_sdk_secretsmanager::Client,
    id: &str,
    group: SecretGroup,
    text: &str,
) -> Result<(), BoxError> {
    let value = checked(group, text)?;
    let text = serde_json::to_string(&value)?;
    client.put_secret_value().secret_id(id).secret_string(text).send().await.map_err(|e| {
        format!("write {}: {}", group.logical_id, aws_sdk_secretsmanager::error::DisplayErrorContext(e))
    })?;
    Ok(())
}

/// Each group's state, a line each: `ok`, or what is missing (names only), or why it could not be
/// read.
pub async fn status(
    client: &aws_sdk_secretsmanager::Client,
    ids: &SecretIds,
) -> Vec<(SecretGroup, Result<Vec<String>, String>)> {
    let mut out = vec![];
    for group in GROUPS {
        let state = match client.get_secret_value().secret_id(ids.id(group)).send().await {
            Err(e) => Err(format!("cannot be read: {}", aws_sdk_secretsmanager::error::DisplayErrorContext(e))),
            Ok(read) => match serde_json::from_str::<HashMap<String, String>>(read.secret_string().unwrap_or_default())
            {
                Err(_) => Err("is not a JSON object of strings".to_owned()),
                Ok(value) => Ok(SecretValues::problems(group, &value)),
            },
        };
        out.push((group, state));
    }
    out
}

/// A group's value as stored (an empty object when nothing was written yet).
async fn stored(client: &aws_sdk_secretsmanager::Client, id: &str) -> Result<HashMap<String, String>, BoxError> {
    let read = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| format!("read {id}: {}", aws_sdk_secretsmanager::error::DisplayErrorContext(e)))?;
    Ok(serde_json::from_str(read.secret_string().unwrap_or("{}")).map_err(|_| format!("{id} is not a JSON object"))?)
}

/// The public keys of the token keys the group holds (the current one, then one staged): the
/// value of `TOKEN_PUBLIC_KEYS` (the stack's `TokenPublicKeys`) that verifies what they sign.
pub async fn token_public_keys(
    client: &aws_sdk_secretsmanager::Client,
    ids: &SecretIds,
) -> Result<Vec<TokenPublicKey>, BoxError> {
    let value = stored(client, &ids.id(TOKEN_KEYS)).await?;
    let mut keys = vec![];
    for prefix in ["current", "next"] {
        if let (Some(kid), Some(key)) = (value.get(&format!("{prefix}_kid")), value.get(&format!("{prefix}_key"))) {
            keys.push(crypto::token_public_key(kid, key)?);
        }
    }
    Ok(keys)
}

/// How a new token key goes into the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewKey {
    /// The group's first key signs at once; with one signing already, the new key is staged
    /// (`next_*`) and signs nothing until promoted.
    Add,
    /// The new key alone signs, everything else leaves the group (a staged key too) and the value
    /// before stops being `AWSPREVIOUS` (no rollback brings it back): a leaked key, or a group
    /// of an older shape.
    Replace,
}

/// A new token-signing key (Ed25519, made here from the OS's generator; its private half is
/// written to the group and never shown), named `kid`. Returns the public keys the authorizer
/// must know from now on.
pub async fn new_token_key(
    client: &aws_sdk_secretsmanager::Client,
    ids: &SecretIds,
    kid: &str,
    how: NewKey,
) -> Result<Vec<TokenPublicKey>, BoxError> {
    crypto::check_kid(kid)?;
    let id = ids.id(TOKEN_KEYS);
    let mut value = if how == NewKey::Replace { HashMap::new() } else { stored(client, &id).await? };
    let slot = if value.get("current_key").is_some_and(|k| !k.is_empty()) { "next" } else { "current" };
    if slot == "next" && value.contains_key("next_key") {
        return Err("a key is staged already: promote it (`secrets promote-token-key`), or after a leak \
                    `secrets new-token-key --replace`"
            .into());
    }
    if value.get("current_kid").is_some_and(|k| k == kid) {
        return Err(format!("the current key is named {kid} already").into());
    }
    value.insert(format!("{slot}_kid"), kid.to_owned());
    value.insert(format!("{slot}_key"), crypto::new_token_key());
    put(client, &id, TOKEN_KEYS, &serde_json::to_string(&value)?).await?;
    if how == NewKey::Replace {
        forget_previous(client, &id).await?;
    }
    token_public_keys(client, ids).await
}

/// Takes the `AWSPREVIOUS` label off the group's value before the current one, so that the
/// rollback of "a secret written wrong" cannot bring a leaked key back (Secrets Manager then
/// deletes that version in time).
async fn forget_previous(client: &aws_sdk_secretsmanager::Client, id: &str) -> Result<(), BoxError> {
    let versions = client.list_secret_version_ids().secret_id(id).send().await?;
    for version in versions.versions() {
        if version.version_stages().iter().any(|s| s == "AWSPREVIOUS") {
            if let Some(previous) = version.version_id() {
                client
                    .update_secret_version_stage()
                    .secret_id(id)
                    .version_stage("AWSPREVIOUS")
                    .remove_from_version_id(previous)
                    .send()
                    .await?;
            }
        }
    }
    Ok(())
}

/// Promotes the staged key: it signs from the functions' next cold start, and the old private key
/// leaves the group. `deployed`: the stack's `TokenPublicKeys` now, which must list the staged
/// public key (else every token the new key signs would be refused: a rotation's first deploy
/// skipped); `None` skips the check (locally, or `--force`). Returns the old and the new public
/// key: both verify until the old key's tokens have expired, then the new one alone.
pub async fn promote_token_key(
    client: &aws_sdk_secretsmanager::Client,
    ids: &SecretIds,
    deployed: Option<&str>,
) -> Result<Vec<TokenPublicKey>, BoxError> {
    let id = ids.id(TOKEN_KEYS);
    let before = token_public_keys(client, ids).await?;
    let mut value = stored(client, &id).await?;
    let (Some(kid), Some(key)) = (value.remove("next_kid"), value.remove("next_key")) else {
        return Err("no key is staged: `secrets new-token-key` first".into());
    };
    if let Some(deployed) = deployed {
        let staged = crypto::token_public_key(&kid, &key)?;
        if !TokenPublicKey::parse_list(deployed)?.contains(&staged) {
            return Err(format!(
                "the stack's TokenPublicKeys does not list the staged key {kid}: deploy with \
                 TokenPublicKeys={} first (or --force)",
                TokenPublicKey::list(&before)
            )
            .into());
        }
    }
    value.insert("current_kid".into(), kid);
    value.insert("current_key".into(), key);
    put(client, &id, TOKEN_KEYS, &serde_json::to_string(&value)?).await?;
    Ok(before)
}

/// The group's value from the operator: the file's text, or one prompt per required key without
/// echo (`rpassword`), and the optional keys the operator names.
pub fn read_value(group: SecretGroup, file: Option<&str>) -> Result<String, BoxError> {
    if let Some(path) = file {
        return Ok(std::fs::read_to_string(path)?);
    }
    // The identity providers' group has no required key: one secret per provider offered.
    let keys: &[&str] = match group.logical_id {
        "OAuthSecret" => &["wechat_client_secret", "qq_client_secret", "weibo_client_secret"],
        _ => group.keys,
    };
    let mut value = HashMap::new();
    for key in keys {
        let entered =
            rpassword::prompt_password(format!("{}.{key} (not shown; empty: leave out): ", group.logical_id))?;
        if !entered.trim().is_empty() {
            value.insert((*key).to_owned(), entered.trim().to_owned());
        }
    }
    Ok(serde_json::to_string(&value)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::secrets::{HASH_PEPPER, MESSAGING, REGISTRY};

    #[test]
    fn groups_are_named_either_way_and_values_are_checked_by_name() {
        assert_eq!(group("messaging"), Some(MESSAGING));
        assert_eq!(group("RegistrySecret"), Some(REGISTRY));
        assert_eq!(group("nope"), None);
        assert!(checked(MESSAGING, r#"{"sms_api_key":"s","email_api_key":"e"}"#).is_ok());
        let short = checked(HASH_PEPPER, r#"{"pepper":"0123456789"}"#).unwrap_err();
        assert_eq!(short, "HashPepperSecret's `pepper` is shorter than 32 bytes");
        assert!(!short.contains("0123456789"), "no value in the message");
        assert_eq!(
            checked(MESSAGING, r#"{"sms_api_key":"s","email_api_kye":"e"}"#).unwrap_err(),
            r#"MessagingSecret has no key named ["email_api_kye"]"#
        );
        assert!(checked(MESSAGING, "sms_api_key=s").is_err());
    }

    #[test]
    fn the_groups_are_found_by_the_stacks_name_or_the_functions_prefix() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let none = |_: &str| None;
        assert_eq!(secret_ids(&args(&["status", "--stack", "acct"]), none).id(MESSAGING), "acct-MessagingSecret");
        let prefix = |v: &str| (v == "SECRET_NAME_PREFIX").then(|| "prod-".to_owned());
        assert_eq!(secret_ids(&args(&["status"]), prefix).id(REGISTRY), "prod-RegistrySecret");
        assert_eq!(secret_ids(&args(&["status"]), none).id(HASH_PEPPER), "HashPepperSecret");
    }
}
