//! Lambda entry point: `POST /v1/verifications/personal/face`.

functions::http_lambda!(functions::kyc::start_face::handle);
