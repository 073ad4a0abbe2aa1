//! `POST /v1/verifications/student`: school, major, level, expected graduation, the school email
//! and its code, and the two student agreements; grants student status [STU-1].

use crate::api::{json_response, ApiError, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::agreements::AgreementRef;
use shared::domain::code::Code;
use shared::usecases::kyc::{verify_student, StudentVerification};

#[derive(Deserialize, schemars::JsonSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Level {
    JuniorCollege,
    Undergraduate,
    Master,
    Doctoral,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::JuniorCollege => "junior_college",
            Level::Undergraduate => "undergraduate",
            Level::Master => "master",
            Level::Doctoral => "doctoral",
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StudentBody {
    school: String,
    major: String,
    level: Level,
    expected_graduation: chrono::NaiveDate,
    email: String,
    challenge_id: shared::domain::ids::ChallengeId,
    code: Code,
    agreements: Vec<AgreementRef>,
}

fn text(field: &str, value: String) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 100 {
        return Err(shared::Error::invalid(field, "must be 1-100 characters").into());
    }
    Ok(v.to_owned())
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(b): Json<StudentBody>) -> ApiResult {
    let request = StudentVerification {
        school: text("school", b.school)?,
        major: text("major", b.major)?,
        level: b.level.as_str().into(),
        expected_graduation: b.expected_graduation.to_string(),
        email: b.email,
        challenge_id: b.challenge_id,
        code: b.code,
        agreements: b.agreements,
    };
    let record = verify_student(&state.services, &principal, request).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &crate::answers::StudentVerified {
            student: true,
            school: record.school,
            level: record.level,
            email: record.email_masked,
            verified_at: record.verified_at,
        },
    ))
}
