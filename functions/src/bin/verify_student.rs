//! Lambda entry point: `POST /v1/verifications/student`.

functions::http_lambda!(functions::kyc::verify_student::handle);
