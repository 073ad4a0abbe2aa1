//! Lambda entry point: `POST /v1/callbacks/face`.

functions::http_lambda!(functions::kyc::face_result::handle);
