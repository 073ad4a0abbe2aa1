//! Black-box tests of the API: requests go through the local gateway's router (so the routes of
//! template.yaml are tested too) to the very handlers the Lambdas run, against the emulator.
//! One test binary with modules.

mod bad_input;
mod bursts;
mod changes;
mod cold_start;
mod concurrency;
mod contact;
mod data_key;
mod deletion;
mod enterprise;
mod every_method_protected;
mod faults;
mod fuzz;
mod headers;
mod lambdas;
mod lifecycle;
mod logs;
mod mfa;
mod model;
mod outbox_worker;
mod passport;
mod phone_bindings;
mod protection;
mod qr_login;
mod recovery;
mod recovery_enumeration;
mod registration;
mod review;
mod review_dashboard;
mod review_workers;
mod secrets;
mod seed_departures;
mod session_settings;
mod sessions;
mod sign_in;
mod signed_out_appeals;
mod sms_codes;
mod staff_onboarding;
mod storage;
mod student;
mod sub_users;
mod template;
mod third_party;
mod uploads;
mod verification;
