//! Lambda entry point: `GET /console`, `GET /console/{file+}` (the console's passkey page).

functions::http_lambda!(functions::dashboard::console);
