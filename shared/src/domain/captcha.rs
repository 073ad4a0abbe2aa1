//! A server-checked captcha: five characters without look-alikes drawn as a distorted SVG image.
//! Checked once (right or wrong), case-insensitively, within five minutes.

use chrono::Duration;
use rand::{rngs::OsRng, Rng};

pub const CAPTCHA_TTL: Duration = Duration::minutes(5);
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

pub fn generate_answer() -> String {
    (0..5).map(|_| ALPHABET[OsRng.gen_range(0..ALPHABET.len())] as char).collect()
}

pub fn normalise(answer: &str) -> String {
    answer.trim().to_ascii_uppercase()
}

/// The answer drawn with jitter, rotation and noise lines.
pub fn svg(answer: &str) -> String {
    let mut rng = OsRng;
    let mut out = String::from(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="150" height="50" viewBox="0 0 150 50"><rect width="150" height="50" fill="#f4f4f4"/>"##,
    );
    for _ in 0..5 {
        let (x1, y1, x2, y2) =
            (rng.gen_range(0..150), rng.gen_range(0..50), rng.gen_range(0..150), rng.gen_range(0..50));
        out.push_str(&format!(r##"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#999" stroke-width="1"/>"##));
    }
    for (i, c) in answer.chars().enumerate() {
        let x = 15 + i * 26 + rng.gen_range(0..6);
        let y = 32 + rng.gen_range(0..10);
        let angle: i32 = rng.gen_range(-25..25);
        out.push_str(&format!(r##"<text x="{x}" y="{y}" font-family="monospace" font-size="26" fill="#333" transform="rotate({angle} {x} {y})">{c}</text>"##));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_and_images() {
        let a = generate_answer();
        assert_eq!(a.len(), 5);
        assert_eq!(normalise(&a.to_lowercase()), a);
        let image = svg(&a);
        assert!(image.starts_with("<svg") && image.ends_with("</svg>"));
        assert!(a.chars().all(|c| image.contains(&format!(">{c}</text>"))));
    }
}
