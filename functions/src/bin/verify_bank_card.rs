//! Lambda entry point: `POST /v1/verifications/personal/bank-card`.

functions::http_lambda!(functions::kyc::verify_bank_card::handle);
