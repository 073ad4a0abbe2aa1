//! Lambda entry point: `POST /v1/captchas`.

functions::http_lambda!(functions::recovery::issue_captcha::handle);
