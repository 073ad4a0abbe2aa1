//! The uploads bucket on S3. Uploads wait under `tmp/<account>/` (a lifecycle rule removes what no
//! case took within a day); a submitted case copies its files under `cases/<case>/` and keeps
//! them. Browsers upload and reviewers view through presigned URLs, never through a function.

use crate::domain::ids::{AccountId, FlowId};
use crate::domain::upload::UploadId;
use crate::error::{Error, Result};
use crate::ports::{ObjectHead, PresignedRequest, UploadStore};
use async_trait::async_trait;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::Client;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// The prefix the bucket's lifecycle rule empties (template.yaml `UploadsBucket`).
pub const TEMPORARY_PREFIX: &str = "tmp/";
/// Where cases keep their material.
pub const CASES_PREFIX: &str = "cases/";

pub struct S3Uploads {
    client: Client,
    bucket: String,
}

impl S3Uploads {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        S3Uploads { client, bucket: bucket.into() }
    }
}

fn presigning(now: DateTime<Utc>, ttl: Duration) -> Result<PresigningConfig> {
    let start = SystemTime::UNIX_EPOCH
        + std::time::Duration::from_secs(u64::try_from(now.timestamp()).map_err(|e| Error::internal("presign", e))?);
    PresigningConfig::builder()
        .start_time(start)
        .expires_in(ttl.to_std().map_err(|e| Error::internal("presign", e))?)
        .build()
        .map_err(|e| Error::internal("presign", e))
}

#[async_trait]
impl UploadStore for S3Uploads {
    fn upload_object(&self, account: &AccountId, upload: &UploadId) -> String {
        format!("{TEMPORARY_PREFIX}{account}/{}/{}", upload.purpose.as_str(), upload.random())
    }

    fn case_object(&self, case: &FlowId, index: usize, upload: &UploadId) -> String {
        format!("{CASES_PREFIX}{case}/{index}-{}", upload.purpose.as_str())
    }

    async fn presign_put(
        &self,
        object: &str,
        content_type: &str,
        length: u64,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<PresignedRequest> {
        let length = i64::try_from(length).map_err(|e| Error::internal("presign upload", e))?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(object)
            .content_type(content_type)
            .content_length(length)
            .presigned(presigning(now, ttl)?)
            .await
            .map_err(|e| Error::internal("presign upload", e))?;
        let headers: BTreeMap<String, String> =
            request.headers().map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned())).collect();
        Ok(PresignedRequest { method: request.method().to_owned(), url: request.uri().to_owned(), headers })
    }

    async fn head(&self, object: &str) -> Result<Option<ObjectHead>> {
        match self.client.head_object().bucket(&self.bucket).key(object).send().await {
            Ok(head) => Ok(Some(ObjectHead {
                size: head.content_length.and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
                etag: head.e_tag.unwrap_or_default(),
            })),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
            Err(e) => Err(Error::internal("read an upload's size", e)),
        }
    }

    async fn first_bytes(&self, object: &str, n: u64, etag: &str) -> Result<Option<Vec<u8>>> {
        let result = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(object)
            .if_match(etag)
            .range(format!("bytes=0-{}", n.saturating_sub(1)))
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(e) if e.raw_response().is_some_and(|r| matches!(r.status().as_u16(), 404 | 412)) => return Ok(None),
            Err(e) => return Err(Error::internal("read an upload's first bytes", e)),
        };
        let bytes = out.body.collect().await.map_err(|e| Error::internal("read an upload's first bytes", e))?;
        Ok(Some(bytes.into_bytes().to_vec()))
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

    async fn presign_get(&self, object: &str, now: DateTime<Utc>, ttl: Duration) -> Result<String> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(object)
            .presigned(presigning(now, ttl)?)
            .await
            .map_err(|e| Error::internal("presign a view", e))?;
        Ok(request.uri().to_owned())
    }

    async fn erase(&self, account: &AccountId, cases: &[FlowId]) -> Result<u32> {
        let mut prefixes = vec![format!("{TEMPORARY_PREFIX}{account}/")];
        prefixes.extend(cases.iter().map(|case| format!("{CASES_PREFIX}{case}/")));
        let mut erased = 0;
        for prefix in prefixes {
            erased += self.erase_prefix(&prefix).await?;
        }
        Ok(erased)
    }
}

impl S3Uploads {
    /// Deletes every object under `prefix` (a page of up to 1000 at a time).
    async fn erase_prefix(&self, prefix: &str) -> Result<u32> {
        use aws_sdk_s3::types::{Delete, ObjectIdentifier};
        let mut erased = 0;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .send()
                .await
                .map_err(|e| Error::internal("list an erased account's files", e))?;
            let keys: Vec<ObjectIdentifier> = page
                .contents()
                .iter()
                .filter_map(|o| o.key())
                .filter_map(|k| ObjectIdentifier::builder().key(k).build().ok())
                .collect();
            if keys.is_empty() {
                return Ok(erased);
            }
            let count = u32::try_from(keys.len()).unwrap_or(u32::MAX);
            let delete = Delete::builder()
                .set_objects(Some(keys))
                .quiet(true)
                .build()
                .map_err(|e| Error::internal("erase an account's files", e))?;
            let out = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| Error::internal("erase an account's files", e))?;
            if !out.errors().is_empty() {
                return Err(Error::internal("erase an account's files", "some files were not deleted"));
            }
            erased += count;
        }
    }
}
