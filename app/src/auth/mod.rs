//! Who is calling: passwords, session tokens and their cookie, login throttling, and the
//! checks every request goes through. Pure where it can be; the database work goes through
//! `store`.

mod api_token;
mod claim_code;
mod cookie;
mod login;
mod password;
mod session;
mod throttle;
mod token;
mod username;

pub use api_token::{GeneratedApiToken, generate_api_token, hash_api_token, looks_like_api_token};
pub use claim_code::{claim_code_hash, new_claim_code};
pub use cookie::{SESSION_COOKIE, clear_session_cookie, read_session_cookie, session_cookie};
pub use login::{LoginError, SignedIn, sign_in};
pub use password::{
    PasswordError, generate_password, hash_password, hash_password_off_thread,
    validate_new_password, verify_password,
};
pub use session::{RequestIdentity, SessionCheck, check_session};
pub use throttle::LoginThrottle;
pub use token::{Claims, TokenError, TokenKeys, generate_secret};
pub use username::normalize_username;
