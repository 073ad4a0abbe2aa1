//! The README's API table (`| \`METHOD /path\` | auth | what it does |`) is where each route is
//! described in words, once: the API description carries each row's text as its operation's
//! `description`, and a test wants exactly one row per route of the template, naming the
//! authentication the route has.

use std::collections::BTreeMap;

/// A route's row: who may call it (as the README words it) and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRow {
    pub auth: String,
    pub what: String,
}

/// Every route row of the README, by (method, path); a route with two rows keeps its first and is
/// reported by [`duplicates`].
pub fn rows(readme: &str) -> BTreeMap<(String, String), RouteRow> {
    let mut rows = BTreeMap::new();
    for (route, row) in parse(readme) {
        rows.entry(route).or_insert(row);
    }
    rows
}

/// The routes that have more than one row.
pub fn duplicates(readme: &str) -> Vec<(String, String)> {
    let mut seen = BTreeMap::new();
    for (route, _) in parse(readme) {
        *seen.entry(route).or_insert(0) += 1;
    }
    seen.into_iter().filter(|(_, n)| *n > 1).map(|(route, _)| route).collect()
}

fn parse(readme: &str) -> impl Iterator<Item = ((String, String), RouteRow)> + '_ {
    readme.lines().filter_map(|line| {
        let cells: Vec<&str> = line.strip_prefix('|')?.strip_suffix('|')?.splitn(3, '|').map(str::trim).collect();
        let [route, auth, what] = cells[..] else { return None };
        let (method, path) = route.strip_prefix('`')?.strip_suffix('`')?.split_once(' ')?;
        let known_method = ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method);
        (known_method && path.starts_with('/'))
            .then(|| ((method.to_owned(), path.to_owned()), RouteRow { auth: auth.to_owned(), what: what.to_owned() }))
    })
}

/// The OpenAPI security scheme the row's auth column names (`None`: no scheme, as for `none` or
/// a route that checks a secret of its own such as `X-Appeal-Secret`).
pub fn scheme(auth: &str) -> Option<&'static str> {
    if auth.starts_with("bearer") {
        Some("bearer")
    } else if auth.starts_with("staff") {
        Some("staffBearer")
    } else if auth.starts_with("provider signature") {
        Some("providerSignature")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_read_with_its_auth_and_text_and_other_tables_are_not() {
        let readme = "| method and path | auth | what it does |\n|---|---|---|\n\
            | `POST /v1/sessions` | none | sign in: `{\"a\"}` -> `201` (a `|` inside) |\n\
            | `APP_ENV` | `production` | not a route |\n| `GET /v1/x` | bearer, step-up | x |\n";
        let rows = rows(readme);
        assert_eq!(rows.len(), 2);
        let row = &rows[&("POST".to_owned(), "/v1/sessions".to_owned())];
        assert_eq!((row.auth.as_str(), row.what.as_str()), ("none", "sign in: `{\"a\"}` -> `201` (a `|` inside)"));
        assert_eq!(scheme(&rows[&("GET".to_owned(), "/v1/x".to_owned())].auth), Some("bearer"));
        assert!(
            duplicates(&format!("{readme}| `GET /v1/x` | none | again |\n"))
                == [("GET".to_owned(), "/v1/x".to_owned())]
        );
    }
}
