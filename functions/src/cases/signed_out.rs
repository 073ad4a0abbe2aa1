//! Appeals filed signed out [MFA-5, ACC-4]: `POST /v1/signed-out-appeals` opens one (from the
//! sign-in's pending step, or from the recovery page with a solved captcha) and shows its secret
//! once; the secret, in `X-Appeal-Secret`, then uploads the material
//! (`POST .../{appeal_id}/uploads`), submits it (`POST .../{appeal_id}/submission`) and follows
//! its progress (`GET .../{appeal_id}`). A wrong secret answers as an unknown id.

use super::start_upload::{upload_body, UploadBody};
use super::MaterialBody;
use crate::api::{json_response, ApiResult};
use crate::extract::{AppealId, AppealSecret, Json};
use crate::AppState;
use chrono::{DateTime, Utc};
use http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use shared::domain::appeal::AppealProgress;
use shared::domain::case::{CaseKind, Subject};
use shared::domain::code::Code;
use shared::domain::ids::{ChallengeId, FlowId};
use shared::domain::phone::Phone;
use shared::domain::upload::UploadPurpose;
use shared::usecases::appeals::{
    appeal_upload, open_signed_out_appeal, read_signed_out_appeal, resubmit_signed_out_appeal,
    submit_signed_out_appeal, AppealView, Proven, Submission,
};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    /// `mfa_unbind` (from the sign-in only) or `phone_rebind`.
    kind: CaseKind,
    /// From the sign-in: the pending sign-in whose password passed (its second factor cannot).
    sign_in_id: Option<FlowId>,
    /// From the recovery page ("none of these methods is available"): the account's name (username,
    /// phone or email), whether it is a passport account, and a solved captcha.
    account: Option<String>,
    #[serde(default)]
    passport: bool,
    captcha_id: Option<FlowId>,
    captcha_answer: Option<String>,
}

pub async fn open(state: &AppState, Json(body): Json<OpenBody>) -> ApiResult {
    let proven = match (body.sign_in_id, body.account, body.captcha_id, body.captcha_answer) {
        (Some(sign_in_id), None, None, None) => Proven::Password { sign_in_id },
        (None, Some(account), Some(captcha_id), Some(captcha_answer)) => {
            Proven::Nothing { account, passport: body.passport, captcha_id, captcha_answer }
        }
        _ => {
            return Err(shared::Error::invalid(
                "sign_in_id",
                "either `sign_in_id`, or `account` with `captcha_id` and `captcha_answer`",
            )
            .into())
        }
    };
    let opened = open_signed_out_appeal(&state.services, body.kind, proven).await?;
    let answer = OpenedAnswer {
        appeal_id: opened.appeal_id.as_str().to_owned(),
        appeal_secret: opened.secret.expose().clone(),
        kind: opened.kind,
        state: AppealProgress::Drafting,
        expires_at: opened.expires_at,
        material: Material {
            person: material_list(opened.kind, Subject::Person),
            enterprise: material_list(opened.kind, Subject::Enterprise),
        },
    };
    Ok(json_response(StatusCode::CREATED, &answer))
}

/// The appeal opened: its secret is shown this once.
#[derive(Serialize, JsonSchema)]
pub struct OpenedAnswer {
    appeal_id: String,
    /// Sent in `X-Appeal-Secret` to upload, submit and follow the appeal.
    appeal_secret: String,
    kind: CaseKind,
    state: AppealProgress,
    /// Until when its material may be uploaded and submitted.
    expires_at: DateTime<Utc>,
    material: Material,
}

/// The files the appeal needs, for a person's account and for an organisation's.
#[derive(Serialize, JsonSchema)]
pub struct Material {
    person: Vec<MaterialFile>,
    enterprise: Vec<MaterialFile>,
}

/// One file to upload, and what it must show.
#[derive(Serialize, JsonSchema)]
pub struct MaterialFile {
    purpose: UploadPurpose,
    note: String,
}

/// The appeal's progress.
#[derive(Serialize, JsonSchema)]
pub struct ProgressAnswer {
    appeal_id: String,
    kind: CaseKind,
    state: AppealProgress,
    /// Until when it may be submitted (drafting), when a reviewer is due to answer, or until
    /// when the new material asked for may be sent (`awaiting_material`).
    until: Option<DateTime<Utc>>,
    rejection_reason: Option<String>,
    /// `awaiting_material`: the files to upload again and send
    /// (`POST /v1/signed-out-appeals/{appeal_id}/material`), and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    material_request: Option<super::MaterialRequestAnswer>,
}

pub async fn upload(
    state: &AppState,
    AppealId(id): AppealId,
    AppealSecret(secret): AppealSecret,
    Json(body): Json<UploadBody>,
) -> ApiResult {
    let (purpose, image, size) = body.parts()?;
    let started = appeal_upload(&state.services, &id, &secret, purpose, image, size).await?;
    Ok(json_response(StatusCode::CREATED, &upload_body(&started)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    /// Whose material it is: `person` or `enterprise` (the lists differ).
    subject: Subject,
    /// A rebind: the new phone and the code sent to it (`POST /v1/sms-codes`, purpose `phone-rebind`).
    new_phone: Option<Phone>,
    challenge_id: Option<ChallengeId>,
    code: Option<Code>,
    material: MaterialBody,
}

pub async fn submit(
    state: &AppState,
    AppealId(id): AppealId,
    AppealSecret(secret): AppealSecret,
    Json(b): Json<SubmitBody>,
) -> ApiResult {
    let new_phone = match (b.new_phone, b.challenge_id, b.code) {
        (Some(phone), Some(challenge), Some(code)) => Some((phone, challenge, code)),
        (None, None, None) => None,
        _ => return Err(shared::Error::invalid("new_phone", "with `challenge_id` and `code`").into()),
    };
    let submission = Submission { subject: b.subject, new_phone, material: b.material.0 };
    let view = submit_signed_out_appeal(&state.services, &id, &secret, submission).await?;
    Ok(json_response(StatusCode::OK, &view_body(&view)))
}

/// `POST /v1/signed-out-appeals/{appeal_id}/material`: the files a reviewer asked for again.
pub async fn resubmit(
    state: &AppState,
    AppealId(id): AppealId,
    AppealSecret(secret): AppealSecret,
    Json(material): Json<MaterialBody>,
) -> ApiResult {
    let view = resubmit_signed_out_appeal(&state.services, &id, &secret, &material.0).await?;
    Ok(json_response(StatusCode::OK, &view_body(&view)))
}

pub async fn read(state: &AppState, AppealId(id): AppealId, AppealSecret(secret): AppealSecret) -> ApiResult {
    let view = read_signed_out_appeal(&state.services, &id, &secret).await?;
    Ok(json_response(StatusCode::OK, &view_body(&view)))
}

/// The files an appeal of `kind` needs for `subject`, each with what it must show.
fn material_list(kind: CaseKind, subject: Subject) -> Vec<MaterialFile> {
    let files = kind.material(subject).iter();
    files.map(|p| MaterialFile { purpose: *p, note: kind.material_note(subject, *p).to_owned() }).collect()
}

fn view_body(view: &AppealView) -> ProgressAnswer {
    ProgressAnswer {
        appeal_id: view.appeal_id.as_str().to_owned(),
        kind: view.kind,
        state: view.state,
        until: view.until,
        rejection_reason: view.rejection_reason.clone(),
        material_request: view.material_request.as_ref().map(|(requested, note)| super::MaterialRequestAnswer {
            material: requested.clone(),
            reason: note.clone(),
            send_by: view.until,
        }),
    }
}
