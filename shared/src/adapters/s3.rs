//! The uploads bucket on S3 (its layout: [`crate::domain::upload`]). Browsers upload and
//! reviewers view through presigned links ([`S3Links`]); the functions check (one ranged read
//! per file), keep and erase the material with the S3 client ([`S3Uploads`]).

use crate::adapters::calls::CallRecorder;
use crate::domain::ids::{AccountId, FlowId};
use crate::domain::upload::account_prefixes;
use crate::error::{Error, Result};
use crate::ports::{FirstBytes, PresignedRequest, UploadErasure, UploadLinks, UploadStore};
use async_trait::async_trait;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::Client;
use aws_sigv4::http_request::{
    sign, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// Presigned links, signed here with the SDK's own SigV4 signer exactly as the S3 client's
/// presigning signs them (a unit test compares the two): a function that only hands out links
/// then does not link the S3 client (its request pipeline, checksums and endpoint rules, about
/// 3 MB of each binary) [issue 14]. Path-style URLs, as the S3 client is configured.
pub struct S3Links {
    /// None: the AWS configuration has none (every link is then refused).
    credentials: Option<SharedCredentialsProvider>,
    region: String,
    /// Scheme and authority: the configured endpoint (the emulator) or S3's regional one; `Err`:
    /// none is known for this configuration (every link is then refused, saying why).
    endpoint: std::result::Result<String, String>,
    bucket: String,
    recorder: Option<CallRecorder>,
}

impl S3Links {
    pub fn new(sdk: &aws_config::SdkConfig, bucket: impl Into<String>, recorder: Option<CallRecorder>) -> Self {
        let region = sdk.region().map(ToString::to_string).unwrap_or_default();
        let endpoint = match configured_endpoint(sdk) {
            Some(url) => Ok(url.trim_end_matches('/').to_owned()),
            None => regional_endpoint(&region, sdk.use_fips() == Some(true), sdk.use_dual_stack() == Some(true)),
        };
        S3Links { credentials: sdk.credentials_provider(), region, endpoint, bucket: bucket.into(), recorder }
    }

    /// `method` on `object`, valid for `ttl` from `now`, with `headers` signed (the browser
    /// must send them as they are): the URL.
    async fn presign(
        &self,
        method: &str,
        operation: &str,
        object: &str,
        headers: &[(&str, &str)],
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<String> {
        let fault = |e: &dyn std::fmt::Display| Error::internal("presign", e.to_string());
        let provider = self.credentials.as_ref().ok_or_else(|| fault(&"the AWS configuration has no credentials"))?;
        let identity: Identity =
            provider.provide_credentials().await.map_err(|e| Error::internal("presign", e))?.into();
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(ttl.to_std().map_err(|e| fault(&e))?);
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(SystemTime::from(now))
            .settings(settings)
            .build()
            .map_err(|e| fault(&e))?
            .into();
        let endpoint = self.endpoint.as_deref().map_err(|why| fault(why))?;
        let url = format!("{endpoint}/{}/{}?x-id={operation}", self.bucket, encode_key(object));
        let signable = SignableRequest::new(method, &url, headers.iter().copied(), SignableBody::UnsignedPayload)
            .map_err(|e| fault(&e))?;
        let (instructions, _signature) = sign(signable, &params).map_err(|e| fault(&e))?.into_parts();
        let mut request = http::Request::builder().method(method).uri(&url).body(()).map_err(|e| fault(&e))?;
        instructions.apply_to_request_http1x(&mut request);
        let action = if method == "PUT" { "s3:PutObject" } else { "s3:GetObject" };
        if let Some(recorder) = &self.recorder {
            recorder.record(action, &format!("{}/{object}", self.bucket));
        }
        Ok(request.uri().to_string())
    }
}

/// The endpoint the S3 client would be given: S3's own (`AWS_ENDPOINT_URL_S3` or the profile's
/// S3 section) before the global one, unless the configuration was built in code.
fn configured_endpoint(sdk: &aws_config::SdkConfig) -> Option<String> {
    if sdk.get_origin("endpoint_url").is_client_config() {
        return sdk.endpoint_url().map(str::to_owned);
    }
    let key = aws_types::service_config::ServiceConfigKey::builder()
        .service_id("S3")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok();
    key.and_then(|key| sdk.service_config()?.load_config(key)).or_else(|| sdk.endpoint_url().map(str::to_owned))
}

/// S3's regional endpoint (path-style), as the S3 client's endpoint rules give it for the
/// partitions this service may run in; `Err` for others (their domains are not listed here).
fn regional_endpoint(region: &str, fips: bool, dual_stack: bool) -> std::result::Result<String, String> {
    if ["us-iso", "eu-iso", "eusc-"].iter().any(|p| region.starts_with(p)) {
        return Err(format!("no S3 endpoint is known here for the region {region:?}"));
    }
    let domain = crate::config::dns_suffix(region);
    let service = if fips { "s3-fips" } else { "s3" };
    let stack = if dual_stack { ".dualstack" } else { "" };
    Ok(format!("https://{service}{stack}.{region}.{domain}"))
}

/// An object key in a URL path: every byte but the unreserved ones and `/` percent-encoded.
fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[async_trait]
impl UploadLinks for S3Links {
    async fn presign_put(
        &self,
        object: &str,
        content_type: &str,
        length: u64,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<PresignedRequest> {
        let length = length.to_string();
        let headers = [("content-type", content_type), ("content-length", length.as_str())];
        let url = self.presign("PUT", "PutObject", object, &headers, now, ttl).await?;
        let headers: BTreeMap<String, String> =
            headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Ok(PresignedRequest { method: "PUT".into(), url, headers })
    }

    async fn presign_get(&self, object: &str, now: DateTime<Utc>, ttl: Duration) -> Result<String> {
        self.presign("GET", "GetObject", object, &[], now, ttl).await
    }
}

/// The material's checks, copies and erasure through the S3 client.
pub struct S3Uploads {
    client: Client,
    bucket: String,
}

impl S3Uploads {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        S3Uploads { client, bucket: bucket.into() }
    }
}

#[async_trait]
impl UploadStore for S3Uploads {
    async fn first_bytes(&self, object: &str, n: u64) -> Result<Option<FirstBytes>> {
        let context = "read an upload's first bytes";
        let range = format!("bytes=0-{}", n.saturating_sub(1));
        let out = match self.client.get_object().bucket(&self.bucket).key(object).range(range).send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(None),
            Err(e) => match e.raw_response().map(|r| r.status().as_u16()) {
                Some(404) => return Ok(None),
                // An empty object has no byte 0 (the uploads refuse empty files; kept for safety).
                Some(416) => return Ok(Some(FirstBytes { size: 0, etag: String::new(), bytes: vec![] })),
                _ => return Err(Error::internal(context, e)),
            },
        };
        // `bytes 0-15/12345`: the whole size after the slash. Without it (a server that ignored
        // the range answers the whole object) the size is unknown: refused, never taken as small.
        let size: u64 = out
            .content_range()
            .and_then(|r| r.rsplit('/').next())
            .and_then(|total| total.parse().ok())
            .ok_or_else(|| Error::internal(context, "no object size in the ranged read's Content-Range"))?;
        // The copy names this version; S3 always answers a read with it.
        let etag = out.e_tag().filter(|t| !t.is_empty()).ok_or_else(|| Error::internal(context, "no ETag"))?.to_owned();
        let mut bytes = out.body.collect().await.map_err(|e| Error::internal(context, e))?.into_bytes().to_vec();
        bytes.truncate(usize::try_from(n).unwrap_or(usize::MAX));
        Ok(Some(FirstBytes { size, etag, bytes }))
    }

    async fn copy(&self, from: &str, to: &str, etag: &str) -> Result<bool> {
        let result = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(format!("{}/{from}", self.bucket))
            .copy_source_if_match(etag)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.raw_response().is_some_and(|r| matches!(r.status().as_u16(), 404 | 412)) => Ok(false),
            Err(e) => Err(Error::internal("keep an upload with its case", e)),
        }
    }
}

#[async_trait]
impl UploadErasure for S3Uploads {
    async fn erase(&self, account: &AccountId, cases: &[FlowId]) -> Result<u32> {
        let mut erased = 0;
        for prefix in account_prefixes(account, cases) {
            erased += self.erase_prefix(&prefix).await?;
        }
        Ok(erased)
    }
}

impl S3Uploads {
    /// Deletes every object under `prefix` for good: each version and delete marker (the bucket
    /// is versioned, and a plain deletion would only hide the files behind a delete marker)
    /// [DEL-3], a page of up to 1000 at a time. Answers how many files were there (the current
    /// versions that were not delete markers).
    async fn erase_prefix(&self, prefix: &str) -> Result<u32> {
        use aws_sdk_s3::types::{Delete, ObjectIdentifier};
        let context = "erase an account's files";
        let mut erased = 0;
        // An account has tens of files: far fewer pages than this. More means the deletions are
        // not taking (an error, and the message is retried) rather than a loop without end.
        const MAX_PAGES: u32 = 100;
        for _ in 0..MAX_PAGES {
            let page = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(prefix)
                .send()
                .await
                .map_err(|e| Error::internal("list an erased account's files", e))?;
            let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
            let markers = page.delete_markers().iter().map(|m| (m.key(), m.version_id()));
            let identifiers: Vec<ObjectIdentifier> = versions
                .chain(markers)
                .filter_map(|(key, version)| {
                    ObjectIdentifier::builder().key(key?).set_version_id(version.map(str::to_owned)).build().ok()
                })
                .collect();
            if identifiers.is_empty() {
                return Ok(erased);
            }
            let files = page.versions().iter().filter(|v| v.is_latest() == Some(true)).count();
            let delete = Delete::builder()
                .set_objects(Some(identifiers))
                .quiet(true)
                .build()
                .map_err(|e| Error::internal(context, e))?;
            let out = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| Error::internal(context, e))?;
            if !out.errors().is_empty() {
                return Err(Error::internal(context, "some files were not deleted"));
            }
            erased += u32::try_from(files).unwrap_or(u32::MAX);
        }
        Err(Error::internal(context, format!("files still listed after {MAX_PAGES} pages of deletions")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;
    use aws_sdk_s3::config::{BehaviorVersion, Region};
    use aws_sdk_s3::presigning::PresigningConfig;
    use chrono::TimeZone;

    fn sdk(region: &str, endpoint: Option<&str>) -> aws_config::SdkConfig {
        sdk_with(region, endpoint, false, false)
    }

    fn sdk_with(region: &str, endpoint: Option<&str>, fips: bool, dual_stack: bool) -> aws_config::SdkConfig {
        let credentials =
            Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", Some("session+token/=".into()), None, "test");
        let mut sdk = aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .credentials_provider(SharedCredentialsProvider::new(credentials));
        if let Some(endpoint) = endpoint {
            sdk = sdk.endpoint_url(endpoint);
        }
        sdk.use_fips(fips).use_dual_stack(dual_stack).build()
    }

    const CASES: [(&str, Option<&str>); 6] = [
        ("us-east-1", Some("http://127.0.0.1:4566")),
        ("us-east-1", None),
        ("eu-west-1", None),
        ("cn-north-1", None),
        ("cn-northwest-1", None),
        ("us-gov-west-1", None),
    ];

    /// The links signed here are the S3 client's presigned requests, byte for byte: locally
    /// (the emulator's endpoint) and in AWS (the regional endpoint of each partition), with a
    /// session token, for the keys this service writes and a key of awkward characters.
    #[tokio::test]
    async fn links_are_the_s3_clients_presigned_requests() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let ttl = Duration::seconds(300);
        let presigning = PresigningConfig::builder()
            .start_time(SystemTime::from(now))
            .expires_in(ttl.to_std().unwrap())
            .build()
            .unwrap();
        for (object, region, endpoint) in [
            ("tmp/a b+c~d_e.f/ü=&?%", "us-east-1", Some("http://127.0.0.1:4566")),
            ("cases/x/0-id-card-front", "eu-west-1", None),
        ]
        .into_iter()
        .chain(CASES.map(|(region, endpoint)| ("tmp/acct-1/held-id-photo/Ab3", region, endpoint)))
        {
            let sdk = sdk(region, endpoint);
            let client = Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
            let links = S3Links::new(&sdk, "uploads-bucket", None);

            let ours = links.presign_put(object, "image/png", 1234, now, ttl).await.unwrap();
            let theirs = client
                .put_object()
                .bucket("uploads-bucket")
                .key(object)
                .content_type("image/png")
                .content_length(1234)
                .presigned(presigning.clone())
                .await
                .unwrap();
            assert_eq!(ours.url, theirs.uri(), "{region} {object}");
            let headers: BTreeMap<String, String> =
                theirs.headers().map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned())).collect();
            assert_eq!(ours.headers, headers);
            assert_eq!(ours.method, theirs.method());

            let ours = links.presign_get(object, now, ttl).await.unwrap();
            let theirs =
                client.get_object().bucket("uploads-bucket").key(object).presigned(presigning.clone()).await.unwrap();
            assert_eq!(ours, theirs.uri(), "{region} {object}");
        }
    }

    /// FIPS and dual-stack endpoints as the S3 client picks them, wherever it offers them.
    #[tokio::test]
    async fn fips_and_dual_stack_links_go_where_the_s3_client_goes() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let presigning = PresigningConfig::builder()
            .start_time(SystemTime::from(now))
            .expires_in(std::time::Duration::from_secs(300))
            .build()
            .unwrap();
        let mut compared = 0;
        for region in ["us-east-1", "us-gov-west-1", "cn-north-1"] {
            for (fips, dual_stack) in [(true, false), (false, true), (true, true)] {
                let sdk = sdk_with(region, None, fips, dual_stack);
                let client = Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
                let Ok(theirs) =
                    client.get_object().bucket("uploads-bucket").key("k").presigned(presigning.clone()).await
                else {
                    continue; // not offered there (FIPS in China)
                };
                let links = S3Links::new(&sdk, "uploads-bucket", None);
                let ours = links.presign_get("k", now, Duration::seconds(300)).await.unwrap();
                assert_eq!(ours, theirs.uri(), "{region} fips {fips} dual stack {dual_stack}");
                compared += 1;
            }
        }
        assert!(compared >= 7, "{compared}");
        let iso = sdk("us-iso-east-1", None);
        assert!(S3Links::new(&iso, "b", None).presign_get("k", now, Duration::seconds(300)).await.is_err());
    }

    #[test]
    fn keys_are_encoded_in_the_path_but_their_slashes() {
        assert_eq!(encode_key("tmp/a b/c+d~e_f.g"), "tmp/a%20b/c%2Bd~e_f.g");
    }
}
