//! `POST /v1/sessions/second-factor`: complete a pending sign-in with SMS, TOTP or a recovery
//! code; the session is issued exactly once [LOGIN-3, MFA-1].

use super::session_body;
use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::domain::security::Factor;
use shared::usecases::factors::FactorProof;
use shared::usecases::sign_in::complete_sign_in;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteBody {
    sign_in_id: shared::domain::ids::FlowId,
    factor: Factor,
    code: String,
    challenge_id: Option<shared::domain::ids::ChallengeId>,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let b: CompleteBody = api::json_body(&req)?;
        let signed_in = complete_sign_in(
            &state.services,
            &b.sign_in_id,
            FactorProof { factor: b.factor, code: b.code.into(), challenge_id: b.challenge_id },
            &api::caller(&req),
        )
        .await?;
        Ok(json_response(StatusCode::CREATED, &session_body(&signed_in)))
    })
    .await
}
