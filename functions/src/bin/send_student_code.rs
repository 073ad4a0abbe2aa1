//! Lambda entry point: `POST /v1/verifications/student/email-codes`.

functions::http_lambda!(functions::kyc::send_student_code::handle);
