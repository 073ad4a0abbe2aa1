//! `GET /v1/templates/{template}`: the letters a case needs, to download, fill in, sign (or
//! stamp) and upload: `phone-rebind-letter`, `mfa-unbind-letter`, and the authorisation letter
//! of an enterprise verification by an authorised person, `enterprise-authorisation-letter`.

use crate::api::ApiResult;
use crate::AppState;
use http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};

/// (name, file name, text)
const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "phone-rebind-letter",
        "phone-rebind-application-letter.txt",
        include_str!("../../assets/templates/phone-rebind-letter.txt"),
    ),
    (
        "mfa-unbind-letter",
        "mfa-unbind-application-letter.txt",
        include_str!("../../assets/templates/mfa-unbind-letter.txt"),
    ),
    (
        "enterprise-authorisation-letter",
        "enterprise-authorisation-letter.txt",
        include_str!("../../assets/templates/enterprise-authorisation-letter.txt"),
    ),
];

/// The template's name, from the path.
pub struct TemplateName(String);

impl crate::extract::FromRequest for TemplateName {
    fn from_request(req: &Request) -> Result<Self, crate::api::ApiError> {
        Ok(TemplateName(req.path_parameters().first("template").unwrap_or_default().to_owned()))
    }
}

pub async fn handle(_state: &AppState, TemplateName(name): TemplateName) -> ApiResult {
    let (_, file, text) = TEMPLATES.iter().find(|(n, _, _)| *n == name).ok_or(shared::Error::NotFound)?;
    let mut response = Response::new(Body::Text((*text).to_owned()));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    Ok(response)
}
