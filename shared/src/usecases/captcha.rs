//! Image captchas [REC-2, REC-3]: issued to anyone, checked once (right or wrong, used up).
//! Their own module: recovery, sign-in and the signed-out appeals each check one, and none of
//! them imports another for it.

use super::deps::{HasClock, HasFlows, HasKeys};
use crate::domain::captcha::{self, CAPTCHA_TTL};
use crate::domain::flow::Flow;
use crate::domain::ids::FlowId;
use crate::domain::recovery::Captcha;
use crate::domain::redacted::Redacted;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct CaptchaIssued {
    pub captcha_id: FlowId,
    pub image: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn issue_captcha(deps: &(impl HasClock + HasKeys + HasFlows)) -> Result<CaptchaIssued> {
    let answer = captcha::generate_answer();
    let captcha_id = FlowId::generate();
    let expires_at = deps.clock().now() + CAPTCHA_TTL;
    let flow = Captcha {
        answer_hash: deps.keys().keyed_hash("captcha", &answer),
        answer_encrypted: Redacted::new(deps.keys().encrypt(&answer)?),
        expires_at,
        used: false,
    };
    deps.flows::<Captcha>().create(&captcha_id, &flow).await?;
    use base64::Engine;
    let image = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(captcha::svg(&answer))
    );
    Ok(CaptchaIssued { captcha_id, image, expires_at })
}

/// Checks a captcha once: right or wrong, it is used up.
pub(crate) async fn check_captcha(
    deps: &(impl HasClock + HasKeys + HasFlows),
    captcha_id: &FlowId,
    answer: &str,
) -> Result<()> {
    let store = deps.flows::<Captcha>();
    let current = store.load(captcha_id).await?.ok_or(Error::CaptchaInvalid)?;
    let next = current.flow.clone().apply((), deps.clock().now()).map_err(|_| Error::CaptchaInvalid)?;
    if !store.save(&current, &next).await? {
        return Err(Error::CaptchaInvalid);
    }
    if deps.keys().keyed_hash("captcha", &captcha::normalise(answer)) != current.flow.answer_hash {
        return Err(Error::CaptchaInvalid);
    }
    Ok(())
}

/// The sandbox's solver (the local gateway's `GET /sandbox/captchas/{id}`; never deployed).
pub async fn sandbox_captcha_answer(deps: &(impl HasKeys + HasFlows), captcha_id: &str) -> Result<Option<String>> {
    let id = FlowId::from_raw(captcha_id);
    let Some(current) = deps.flows::<Captcha>().load(&id).await? else { return Ok(None) };
    deps.keys().decrypt(current.flow.answer_encrypted.expose()).map(Some)
}
