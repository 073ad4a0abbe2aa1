//! Lambda entry point: `GET /v1/verifications/personal/face/{verification_id}`.

functions::http_lambda!(functions::kyc::face_status::handle);
