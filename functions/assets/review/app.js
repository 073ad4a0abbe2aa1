// The reviewers' dashboard: staff sign-in (password, then the authenticator code; a first sign-in
// chooses a password and sets up the authenticator; or, where the deployment has no staff pool,
// through its OpenID Connect issuer: authorization code with PKCE), the queue, claiming
// a case, its material and history, approving or rejecting it under a lease. Plain JavaScript, no build
// step; the page's Content-Security-Policy allows only this script (no inline code). The access token is
// kept in memory only: reloading the page signs the reviewer out.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  const state = {
    token: null,
    tokenExpiresAt: 0,
    pending: null, // {username, session} between the password and the code
    issuer: null, // the OpenID Connect issuer the staff sign in with (sign-in.json), if not the pool
    lead: false, // the signed-in staff user has the lead role (display only: the API decides)
    queueCursor: null, // the queue's next page
    claim: null, // {token, caseId, leaseExpiresAt (ms)}
    timers: { lease: null, queue: null, expiry: null },
  };

  // What a reviewer should read for the codes the review API answers with.
  const MESSAGES = {
    STAFF_SIGN_IN_FAILED: "The username, password or code is wrong.",
    STAFF_PASSWORD_REJECTED:
      "The password is too weak: at least 12 characters with a lower-case and an upper-case letter, a digit and a symbol.",
    SIGN_IN_LOCKED: "Too many tries: wait a while, then sign in again.",
    STAFF_SESSION_EXPIRED: "This sign-in took too long (15 minutes at most): sign in again with your password.",
    UNAUTHENTICATED: "Your session has ended: sign in again.",
    STAFF_ROLE_REQUIRED: "Your staff account lacks the role this needs.",
    REASON_REQUIRED: "A reason is required to reject a case.",
    CLAIM_NOT_HELD: "You no longer hold this case (the lease lapsed or it was given back): claim the next case.",
    CASE_CLOSED: "This case is already decided or withdrawn.",
    DECISION_BLOCKED: "The approval cannot apply (an account limit, or the account changed): reject it with a reason.",
    INVALID_FIELD: "A field is missing or invalid.",
    NOT_FOUND: "No such case.",
    RATE_LIMITED: "Too many requests: wait a moment and try again.",
    INTERNAL: "The server failed. Try again, and quote the request id if it keeps failing.",
  };

  class ApiFailure extends Error {
    constructor(status, code, message, requestId) {
      super(message);
      this.status = status;
      this.code = code;
      this.requestId = requestId;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.token) headers.Authorization = "Bearer " + state.token;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (e) {
      throw new ApiFailure(0, "NETWORK", "The server cannot be reached (" + e.message + ").", null);
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = null;
      }
    }
    if (response.ok) return { status: response.status, body: data };
    const err = (data && data.error) || {};
    const code = err.code || (response.status === 401 ? "UNAUTHENTICATED" : "HTTP_" + response.status);
    const message = err.message || (data && data.message) || response.statusText || "request failed";
    throw new ApiFailure(response.status, code, message, err.request_id || response.headers.get("x-request-id"));
  }

  // ---- messages -------------------------------------------------------------------------------

  function showError(failure) {
    const box = $("error");
    if (!failure) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    let text;
    if (failure instanceof ApiFailure) {
      text = (MESSAGES[failure.code] || failure.message) + " [" + failure.code + "]";
      if (failure.code !== failure.message && MESSAGES[failure.code] && failure.message) {
        text += " " + failure.message;
      }
      if (failure.requestId) text += " (request id " + failure.requestId + ")";
    } else {
      text = String(failure.message || failure);
    }
    box.textContent = text;
    box.hidden = false;
    $("notice").hidden = true;
  }

  function showNotice(text) {
    const box = $("notice");
    box.textContent = text;
    box.hidden = !text;
    if (text) $("error").hidden = true;
  }

  // A failed call: an ended session goes back to the sign-in form, anything else is shown.
  function failed(failure) {
    if (failure instanceof ApiFailure && failure.status === 401 && state.token) {
      signOut();
    }
    // A sign-in step whose session ended or took its tries starts again from the password.
    if (failure instanceof ApiFailure && state.pending && ["STAFF_SESSION_EXPIRED", "SIGN_IN_LOCKED"].includes(failure.code)) {
      restartSignIn();
    }
    if (failure instanceof ApiFailure && (failure.code === "CLAIM_NOT_HELD" || failure.code === "CASE_CLOSED")) {
      dropClaim();
      loadQueue().catch(() => {});
    }
    showError(failure);
  }

  async function busy(button, work) {
    button.disabled = true;
    try {
      await work();
    } catch (e) {
      failed(e);
    } finally {
      button.disabled = false;
    }
  }

  // ---- formatting -----------------------------------------------------------------------------

  const CST = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });

  // An RFC 3339 time in China Standard Time: 2026-12-04 18:00 CST.
  function cst(rfc3339) {
    if (!rfc3339) return "–";
    const d = new Date(rfc3339);
    if (isNaN(d.getTime())) return String(rfc3339);
    const p = Object.fromEntries(CST.formatToParts(d).map((x) => [x.type, x.value]));
    return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute + " CST";
  }

  function age(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return s + " s";
    const m = Math.floor(s / 60);
    if (m < 60) return m + " min";
    const h = Math.floor(m / 60);
    if (h < 48) return h + " h " + (m % 60) + " min";
    return Math.floor(h / 24) + " d " + (h % 24) + " h";
  }

  function clock(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    const mm = String(Math.floor(s / 60)).padStart(2, "0");
    const ss = String(s % 60).padStart(2, "0");
    return mm + ":" + ss;
  }

  function humanize(key) {
    const words = String(key).replace(/[_-]/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  const KINDS = {
    phone_rebind: "Phone rebind appeal",
    mfa_unbind: "MFA unbind appeal",
    identity_mismatch: "Name/ID mismatch",
    enterprise_verification: "Enterprise verification",
    enterprise_rename: "Organisation name change",
    enterprise_subject_change: "Change of organisation",
  };

  // The API's values as a reviewer reads them (document types, methods, organisation types, ...).
  const LABELS = {
    person: "Person",
    enterprise: "Enterprise",
    mainland_id_card: "Mainland ID card",
    hk_macao_taiwan_permit: "Mainland travel permit (Hong Kong, Macao, Taiwan residents)",
    foreign_permanent_residence: "Foreign permanent residence ID",
    chinese_passport_abroad: "Chinese passport (living abroad)",
    legal_face: "Legal representative's face check",
    corporate_transfer: "Corporate transfer (micro-deposit)",
    recharge: "Recharge from the corporate account",
    other_organisation: "Other organisation (always reviewed)",
    transfer_risk: "A risk rule fired on the transfer",
    wrong_amounts: "Two wrong amounts entered",
    legal_representative: "Legal representative",
    authorised_person: "Authorised employee",
    handler: "Handler of the transfer",
    passed: "Passed",
    face: "Face check",
    bank_card: "Bank card",
    in_review: "In review",
    submitted: "Submitted",
    approved: "Approved",
    rejected: "Rejected",
    withdrawn: "Withdrawn",
    awaiting_customer: "Waiting on the customer",
    overdue: "Overdue",
    individual_business: "Individual business",
    law_firm: "Law firm",
    public_institution: "Public institution",
    government_organ: "Government organ",
    social_group: "Social group",
  };

  function label(value) {
    if (typeof value !== "string") return value;
    return LABELS[value] || value;
  }

  /// A detail as text: lists one item a line, objects as "Key: value" lines, times in CST, values
  /// by their labels.
  function detailText(v, key) {
    if (v === null || v === undefined) return "–";
    if (Array.isArray(v)) return v.map((x) => detailText(x)).join("\n");
    if (typeof v === "object") {
      return Object.entries(v).map(([k, x]) => humanize(k) + ": " + detailText(x, k)).join("\n");
    }
    if (key && /_at$/.test(key)) return cst(v);
    // A time inside a text (a face check's result) in CST too.
    return String(label(v)).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, (t) => cst(t));
  }

  // The bytes of a file as a reviewer reads them.
  function bytes(n) {
    if (n === null || n === undefined) return "";
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }

  const TYPES = { "image/png": "PNG", "image/jpeg": "JPEG" };

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function flags(item) {
    const out = [];
    if (item.overdue) out.push(el("span", { class: "flag overdue", text: "Overdue", "data-testid": "flag-overdue" }));
    else if (item.due_soon) out.push(el("span", { class: "flag due-soon", text: "Due soon", "data-testid": "flag-due-soon" }));
    return out;
  }

  // ---- sign-in --------------------------------------------------------------------------------

  async function submitPassword(event) {
    event.preventDefault();
    showError(null);
    const username = $("username").value.trim();
    const password = $("password").value;
    // The password leaves the field whatever the answer: a refused one is typed again.
    $("password").value = "";
    await busy($("sign-in-submit"), async () => {
      const r = await api("POST", "/v1/staff/sessions", { username, password });
      nextStep(username, r.body || {});
    });
  }

  // The sign-in's next step, as the staff pool names it: the authenticator's code, or for a first
  // sign-in a new password and then the authenticator's set-up.
  const STEP_FORMS = {
    SOFTWARE_TOKEN_MFA: ["mfa-form", "mfa-code"],
    NEW_PASSWORD_REQUIRED: ["new-password-form", "new-password"],
    MFA_SETUP: ["mfa-setup-form", "mfa-setup-code"],
  };

  function nextStep(username, body) {
    if (body.access_token) return signedIn(username, body);
    const step = STEP_FORMS[body.challenge];
    if (!step) throw new Error("Unexpected sign-in challenge: " + body.challenge);
    state.pending = { username, session: body.session };
    if (body.challenge === "MFA_SETUP") {
      $("mfa-setup-qr").src = body.qr_code;
      $("mfa-setup-secret").textContent = body.secret;
    }
    showStepForm(step[0]);
    $(step[1]).value = "";
    $(step[1]).focus();
  }

  // Shows one of the sign-in's forms (or the password form, or with an issuer its button),
  // hiding the others.
  function showStepForm(id) {
    for (const form of ["sign-in-form", "mfa-form", "new-password-form", "mfa-setup-form"]) {
      $(form).hidden = form !== id || (form === "sign-in-form" && state.issuer !== null);
    }
    $("issuer-sign-in").hidden = !(id === "sign-in-form" && state.issuer !== null);
    if (id !== "mfa-setup-form") {
      $("mfa-setup-qr").removeAttribute("src");
      $("mfa-setup-secret").textContent = "";
    }
  }

  async function submitNewPassword(event) {
    event.preventDefault();
    showError(null);
    const password = $("new-password").value;
    const again = $("new-password-again").value;
    $("new-password").value = "";
    $("new-password-again").value = "";
    if (password !== again) {
      showError(new Error("The two passwords differ: type the same password twice."));
      return;
    }
    const pending = state.pending;
    if (!pending) return restartSignIn();
    await busy($("new-password-submit"), async () => {
      const r = await api("POST", "/v1/staff/sessions/new-password", {
        username: pending.username,
        session: pending.session,
        new_password: password,
      });
      nextStep(pending.username, r.body || {});
    });
  }

  // A 6-digit code of the authenticator: the sign-in's code, or a new one's first code.
  async function submitCode(event, input, button, path) {
    event.preventDefault();
    showError(null);
    const code = $(input).value.trim();
    if (!/^[0-9]{6}$/.test(code)) {
      showError(new Error("Enter the 6 digits your authenticator app shows."));
      return;
    }
    const pending = state.pending;
    if (!pending) return restartSignIn();
    await busy($(button), async () => {
      const r = await api("POST", path, { username: pending.username, session: pending.session, code });
      signedIn(pending.username, r.body || {});
    });
  }

  // The access token's claims, for display only: the API decides.
  function claimsOf(token) {
    try {
      const part = String(token).split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "="))) || {};
    } catch (e) {
      return {};
    }
  }

  // The staff roles the access token names (`cognito:groups`, or the issuer's roles claim).
  function groupsOf(token) {
    const groups = claimsOf(token)[state.issuer ? state.issuer.roles_claim : "cognito:groups"];
    return Array.isArray(groups) ? groups : [];
  }

  // ---- sign-in through an OpenID Connect issuer (authorization code with PKCE) ------------------
  // The verifier and state wait in sessionStorage (this tab only) while the issuer signs the
  // staff user in; its answer comes back to this page as ?code=...&state=..., is taken out of the
  // address bar at once, and the code is exchanged with the verifier for the access token.

  function base64url(bytes) {
    let text = "";
    for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function randomText(bytes) {
    return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
  }

  async function issuerEndpoints() {
    const base = state.issuer.issuer.replace(/\/+$/, "");
    const response = await fetch(base + "/.well-known/openid-configuration", { credentials: "omit" });
    if (!response.ok) throw new Error("The identity provider cannot be reached (" + response.status + ").");
    const d = await response.json();
    if (d.issuer !== state.issuer.issuer) throw new Error("The identity provider names another issuer.");
    return d;
  }

  function redirectUri() {
    return location.origin + location.pathname;
  }

  async function startIssuerSignIn() {
    const endpoints = await issuerEndpoints();
    const verifier = randomText(32);
    const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    const expected = randomText(16);
    sessionStorage.setItem("staff-sign-in", JSON.stringify({ verifier, state: expected }));
    const query = new URLSearchParams({
      response_type: "code",
      client_id: state.issuer.client_id,
      redirect_uri: redirectUri(),
      scope: "openid profile",
      state: expected,
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    location.assign(endpoints.authorization_endpoint + "?" + query.toString());
  }

  // The issuer's answer in the address bar, if any: signs in with it.
  async function finishIssuerSignIn() {
    const answer = new URLSearchParams(location.search);
    if (!answer.has("code") && !answer.has("error")) return;
    history.replaceState(null, "", redirectUri());
    const saved = JSON.parse(sessionStorage.getItem("staff-sign-in") || "null");
    sessionStorage.removeItem("staff-sign-in");
    if (!saved || answer.get("state") !== saved.state) {
      throw new Error("This sign-in answer was not asked for by this page: sign in again.");
    }
    if (answer.has("error")) {
      throw new Error("The identity provider did not sign you in (" + answer.get("error") + ").");
    }
    const endpoints = await issuerEndpoints();
    const response = await fetch(endpoints.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: answer.get("code"),
        redirect_uri: redirectUri(),
        client_id: state.issuer.client_id,
        code_verifier: saved.verifier,
      }).toString(),
      credentials: "omit",
      cache: "no-store",
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || !body.access_token) {
      throw new Error("The identity provider refused the sign-in (" + (body.error || response.status) + "): sign in again.");
    }
    const username = claimsOf(body.access_token)[state.issuer.username_claim] || "staff";
    signedIn(username, body);
  }

  // How this deployment signs its staff in.
  async function loadSignInConfiguration() {
    const response = await fetch("sign-in.json", { credentials: "omit", cache: "no-store" });
    const config = response.ok ? await response.json() : { by: "pool" };
    state.issuer = config.by === "issuer" ? config : null;
    if (state.issuer) $("issuer-name").textContent = new URL(state.issuer.issuer).host;
    showStepForm("sign-in-form");
  }

  function restartSignIn() {
    state.pending = null;
    showStepForm("sign-in-form");
    $("username").focus();
  }

  function signedIn(username, body) {
    state.token = body.access_token;
    state.pending = null;
    const ttl = Number(body.expires_in) || 3600;
    state.tokenExpiresAt = Date.now() + ttl * 1000;
    clearTimeout(state.timers.expiry);
    state.timers.expiry = setTimeout(() => {
      signOut();
      showError(new ApiFailure(401, "UNAUTHENTICATED", "the access token expired", null));
    }, ttl * 1000);
    $("who-name").textContent = username;
    const roles = body.roles || groupsOf(body.access_token);
    state.lead = roles.includes("lead");
    $("who-roles").textContent = roles.join(", ") || "no role";
    $("lead").hidden = !state.lead;
    if (state.lead) loadFigures().catch(failed);
    $("who").hidden = false;
    $("sign-in").hidden = true;
    showStepForm("sign-in-form");
    $("dashboard").hidden = false;
    showNotice("");
    loadQueue().catch(failed);
    clearInterval(state.timers.queue);
    // Every 30 s while the page is seen and the reviewer has not paged on (that list stays).
    state.timers.queue = setInterval(() => {
      if (!document.hidden && (state.queuePages || 1) === 1) loadQueue().catch(failed);
    }, 30000);
  }

  function signOut() {
    state.token = null;
    state.pending = null;
    dropClaim();
    for (const t of Object.values(state.timers)) {
      clearInterval(t);
      clearTimeout(t);
    }
    $("who").hidden = true;
    state.lead = false;
    $("lead").hidden = true;
    $("dashboard").hidden = true;
    $("case").hidden = true;
    $("sign-in").hidden = false;
    showStepForm("sign-in-form");
    showNotice("");
  }

  // ---- the lead's figures, audit trail and release ------------------------------------------------

  function minutes(m) {
    return m === null || m === undefined ? "–" : age(m * 60);
  }

  async function loadFigures() {
    const r = await api("GET", "/v1/review/figures");
    const body = $("figures-body");
    body.replaceChildren();
    for (const k of r.body.kinds || []) {
      body.append(
        el("tr", { dataset: { kind: k.kind } }, [
          el("td", { text: KINDS[k.kind] || k.kind }),
          el("td", { text: String(k.open), "data-testid": "figure-open" }),
          el("td", { text: String(k.in_review), "data-testid": "figure-in-review" }),
          el("td", { text: String(k.due_soon), "data-testid": "figure-due-soon" }),
          el("td", { text: String(k.overdue), "data-testid": "figure-overdue" }),
          el("td", { text: String(k.decided_last_7_days), "data-testid": "figure-decided" }),
          el("td", { text: minutes(k.median_minutes_to_decision), "data-testid": "figure-median" }),
        ]),
      );
    }
    $("figures-note").textContent =
      (r.body.complete ? "" : "Counted the first " + r.body.open_limit + " open cases only. ") +
      "Updated " + cst(new Date().toISOString()) + ".";
  }

  // A lead sees a case's audit trail, and may take its claim from whoever holds it.
  async function loadLeadTools(view) {
    $("lead-tools").hidden = !state.lead;
    if (!state.lead) return;
    const mine = state.claim && state.claim.caseId === view.case_id;
    $("lead-release").hidden = view.state !== "in_review" || mine;
    $("lead-release").dataset.caseId = view.case_id;
    const r = await api("GET", "/v1/review/cases/" + encodeURIComponent(view.case_id) + "/audit");
    // Another case was opened meanwhile: its own trail follows.
    if ($("case").dataset.caseId !== view.case_id) return;
    const list = $("audit-trail");
    list.replaceChildren();
    for (const e of r.body.entries || []) {
      let text = cst(e.at) + " · " + e.staff + " · " + humanize(e.action);
      if (e.detail) text += " · " + e.detail;
      list.append(el("li", { text, "data-testid": "audit-entry" }));
    }
  }

  async function leadRelease() {
    const caseId = $("lead-release").dataset.caseId;
    const r = await api("POST", "/v1/review/cases/" + encodeURIComponent(caseId) + "/release");
    showNotice("The claim on case " + caseId + " is released: the case waits on the queue again.");
    await viewCase(caseId);
    await Promise.all([loadQueue(), loadFigures()]);
    return r;
  }

  // ---- queue ----------------------------------------------------------------------------------

  // The queue's filters as query parameters (a search ignores the others).
  function queueQuery() {
    const params = new URLSearchParams();
    const q = $("filter-q").value.trim();
    if (q) params.set("q", q);
    else {
      for (const [name, id] of [["kind", "filter-kind"], ["state", "filter-state"], ["due", "filter-due"]]) {
        if ($(id).value) params.set(name, $(id).value);
      }
    }
    const text = params.toString();
    return "/v1/review/queue" + (text ? "?" + text : "");
  }

  // The counts, and the first page of the cases the filters keep; `more`: the next page of the
  // same list (the filters it was made with, not the boxes' current values).
  async function loadQueue(more) {
    if (!state.token) return;
    if (more && !state.queueCursor) return;
    // Only the newest request's answer is shown (a filter changed while an older one was out).
    const seq = (state.queueSeq = (state.queueSeq || 0) + 1);
    if (!more) {
      state.queueFilters = queueQuery();
      state.queueCursor = null;
      state.queuePages = 1;
      $("load-more").hidden = true;
    }
    const path = more
      ? state.queueFilters + (state.queueFilters.includes("?") ? "&" : "?") + "cursor=" + encodeURIComponent(state.queueCursor)
      : state.queueFilters;
    const r = await api("GET", path);
    if (seq !== state.queueSeq) return;
    if (more) state.queuePages += 1;
    const q = r.body || {};
    state.queueCursor = q.next_cursor || null;
    $("load-more").hidden = !state.queueCursor;
    const plus = q.counts_complete === false ? "+" : "";
    $("queue-waiting").textContent = q.waiting == null ? "–" : q.waiting + plus;
    $("queue-in-review").textContent = q.in_review == null ? "–" : q.in_review + plus;
    $("queue-awaiting").textContent = q.awaiting_customer == null ? "–" : q.awaiting_customer + plus;
    $("queue-oldest").textContent = q.oldest_age_seconds == null ? "–" : age(q.oldest_age_seconds);
    $("queue-oldest").title = q.oldest_submitted_at ? "submitted " + cst(q.oldest_submitted_at) : "";
    $("queue-updated").textContent = "Updated " + cst(new Date().toISOString());
    const body = $("open-cases-body");
    if (!more) body.replaceChildren();
    const cases = q.open_cases || [];
    for (const c of cases) {
      const view = el("button", { type: "button", class: "secondary", text: "View", "data-testid": "view-case" });
      view.addEventListener("click", () => busy(view, () => viewCase(c.case_id)));
      const row = el(
        "tr",
        {
          "data-testid": "case-row",
          dataset: { caseId: c.case_id },
          class: c.overdue ? "overdue" : c.due_soon ? "due-soon" : "",
        },
        [
          el("td", {}, [el("code", { text: c.case_id })]),
          el("td", { text: KINDS[c.kind] || c.kind }),
          el("td", { text: label(c.state), "data-testid": "case-row-state", dataset: { state: c.state } }),
          el("td", { text: cst(c.submitted_at) }),
          el("td", { text: cst(c.due_at), "data-testid": "case-row-due" }),
          el("td", {}, [...flags(c), view]),
        ],
      );
      body.append(row);
    }
    $("open-cases-empty").hidden = body.children.length > 0;
  }

  // ---- a case ---------------------------------------------------------------------------------

  // `keepMaterial`: the decision's answer carries no material links; the images shown stay.
  function renderCase(view, claimed, keepMaterial) {
    $("case").hidden = false;
    $("case").dataset.caseId = view.case_id;
    $("case-id").textContent = view.case_id;
    $("case-state").textContent = label(view.state);
    $("case-state").dataset.state = view.state;
    $("case-kind").textContent = KINDS[view.kind] || view.kind;
    $("case-subject").textContent = label(view.subject) || "–";
    $("case-account").textContent = view.account_id || "–";
    $("case-submitted").textContent = cst(view.submitted_at);
    const due = $("case-due");
    due.replaceChildren(document.createTextNode((cst(view.due_at)) + " "), ...flags(view));

    renderCompare(view, keepMaterial);

    const material = $("case-material");
    const keep = keepMaterial && !(view.material || []).length && material.querySelector("img");
    if (!keep) material.replaceChildren();
    for (const m of keep ? [] : view.material || []) {
      const img = el("img", {
        src: m.url,
        alt: humanize(m.purpose),
        title: "Click to view full size, zoom and rotate",
        "data-testid": "material-image",
        "data-purpose": m.purpose,
        referrerpolicy: "no-referrer",
      });
      img.addEventListener("click", () => openViewer(m));
      const facts = [TYPES[m.content_type] || m.content_type, bytes(m.size_bytes)].filter(Boolean).join(" · ");
      const caption = el("figcaption", { text: humanize(m.purpose) + " · " + facts, "data-testid": "material-caption" });
      img.addEventListener("error", () => {
        caption.textContent = humanize(m.purpose) + ": the image did not load (its link may have expired: reload the case)";
        caption.classList.add("error-text");
      });
      material.append(el("figure", {}, [img, caption]));
    }
    if (!keep && !(view.material || []).length) material.append(el("p", { class: "muted", text: "No material." }));

    const history = $("case-history");
    history.replaceChildren();
    for (const h of view.history || []) {
      let text = cst(h.at) + " · " + label(h.state) + " · by " + h.by;
      if (h.reason) text += " · “" + h.reason + "”";
      history.append(el("li", { text, "data-testid": "history-item", dataset: { state: h.state } }));
    }

    const rejection = $("case-rejection");
    rejection.hidden = !view.rejection_reason;
    rejection.textContent = view.rejection_reason ? "Rejected: " + view.rejection_reason : "";

    const asked = view.material_request;
    $("case-material-request").hidden = !asked;
    $("case-material-request").textContent = asked
      ? "Waiting on the customer until " + cst(asked.send_by) + " for: " + asked.material.map(humanize).join(", ") +
        " (“" + asked.reason + "”). Then it is rejected if nothing came."
      : "";
    if (view.replaced_files) {
      $("case-material-request").hidden = false;
      $("case-material-request").textContent +=
        (asked ? " " : "") + view.replaced_files + " file(s) were sent again; the material shows the latest.";
    }

    const open = claimed && view.state === "in_review";
    // Anyone may claim a waiting case (or one whose lease lapsed: the server says if not).
    $("claim-this").hidden = claimed || !(view.state === "submitted" || view.state === "in_review");
    $("claim-this").dataset.caseId = view.case_id;
    $("decision-form").hidden = !open;
    $("lease").hidden = !open;
    if (open) {
      $("reason").value = "";
      fillPresets(view.kind);
      fillRequestable(view);
      setDecisionEnabled(true);
    }
  }

  // The case's files, to tick those the customer must send again.
  function fillRequestable(view) {
    const box = $("request-material-files");
    box.replaceChildren();
    const purposes = [...new Set((view.material || []).map((m) => m.purpose))];
    for (const purpose of purposes) {
      const id = "ask-" + purpose;
      const input = el("input", { type: "checkbox", id, value: purpose, "data-testid": "request-file" });
      box.append(el("span", {}, [input, el("label", { for: id, text: humanize(purpose) })]));
    }
    $("request-material-box").hidden = purposes.length === 0;
  }

  // What the case is checked against: the account's verified subject beside what the case asks,
  // and the seed's checklist for its kind (ticked by the reviewer; approving asks again for what
  // is not ticked).
  function renderCompare(view, keep) {
    const verified = $("verified-subject");
    const subject = view.verified_subject;
    // A decision's answer carries no subject: the one compared stays on screen.
    if (!(keep && !subject)) verified.replaceChildren();
    if (!subject && keep) {
      // kept as it was
    } else if (!subject) {
      verified.append(el("p", { class: "muted", text: "Shown to the claim's holder and to leads." }));
    } else if (subject.subject === "not_verified") {
      verified.append(el("p", { class: "muted", text: "The account has proven no identity.", "data-testid": "not-verified" }));
    } else {
      for (const [k, v] of Object.entries(subject)) {
        if (k === "subject") continue;
        verified.append(el("div", {}, [el("dt", { text: humanize(k) }), el("dd", { text: detailText(v, k), "data-testid": "verified-" + k })]));
      }
    }
    const details = $("case-details");
    details.replaceChildren();
    if (!Object.keys(view.details || {}).length) {
      details.append(el("p", { class: "muted", text: "The material only: compare it with the account's verified subject." }));
    }
    for (const [k, v] of Object.entries(view.details || {})) {
      details.append(el("div", {}, [el("dt", { text: humanize(k) }), el("dd", { text: detailText(v, k), "data-testid": "detail-" + k })]));
    }
    const checklist = $("checklist");
    checklist.replaceChildren();
    (view.checklist || []).forEach((item, i) => {
      const box = el("input", { type: "checkbox", id: "check-" + i, "data-testid": "check-item" });
      checklist.append(el("li", {}, [box, el("label", { for: "check-" + i, text: item })]));
    });
  }

  // ---- documents: full size, zoom, rotate, open in a new tab ------------------------------------

  const viewer = { zoom: 1, turn: 0 };

  function openViewer(m) {
    viewer.zoom = 1;
    viewer.turn = 0;
    $("viewer-image").src = m.url;
    $("viewer-image").alt = humanize(m.purpose);
    $("viewer-title").textContent = humanize(m.purpose);
    $("viewer-open").href = m.url;
    applyViewer();
    $("viewer").hidden = false;
  }

  function applyViewer() {
    $("viewer-image").style.transform = "scale(" + viewer.zoom + ") rotate(" + viewer.turn + "deg)";
    $("viewer-zoom").textContent = Math.round(viewer.zoom * 100) + "%";
    $("viewer").dataset.zoom = String(viewer.zoom);
    $("viewer").dataset.turn = String(viewer.turn);
  }

  function closeViewer() {
    $("viewer").hidden = true;
    $("viewer-image").removeAttribute("src");
  }

  // ---- decisions: usual reasons per kind, approval confirmed ---------------------------------------

  const PRESETS = {
    phone_rebind: [
      "The ID photos are not held by the person, or the upper body is not in the photo.",
      "The ID photos do not match the account's verified identity.",
      "The application letter is not signed (or not stamped).",
      "The payment proof is not of this account.",
    ],
    mfa_unbind: [
      "The ID photos are not held by the person.",
      "The ID photos do not match the account's verified identity.",
      "The unbind letter is not the template's, or not signed (or not stamped).",
      "The payment proof is not of this account.",
    ],
    identity_mismatch: [
      "The household register page does not show the submitted name and ID number.",
      "The photo is unreadable: upload a clear colour photo of the whole page.",
    ],
    enterprise_verification: [
      "The certificate is not a colour original, colour scan or a copy with a fresh red seal.",
      "The certificate's four corners are not visible, or it was edited, mirrored or re-photographed.",
      "The authorisation letter is not stamped, or names another person.",
      "The organisation's name or code does not match the certificate.",
    ],
    enterprise_rename: [
      "The new licence does not name the new name with the same code.",
      "No registration change certificate or change application form confirms the change.",
    ],
    enterprise_subject_change: [
      "The form does not carry both subjects' data.",
      "The form is not stamped by both subjects with fresh red seals.",
    ],
  };

  function fillPresets(kind) {
    const select = $("preset-reason");
    select.replaceChildren(el("option", { value: "", text: "Choose a usual reason, or write your own below" }));
    for (const text of PRESETS[kind] || []) select.append(el("option", { value: text, text }));
  }

  // Approving asks once more, naming the checklist's items not ticked.
  function confirmApprove() {
    const unchecked = [...document.querySelectorAll("#checklist li")]
      .filter((li) => !li.querySelector("input").checked)
      .map((li) => li.querySelector("label").textContent);
    $("confirm-approve-text").textContent = unchecked.length
      ? "Not ticked on the checklist:"
      : "Every item of the checklist is ticked. The customer is told at once.";
    $("confirm-unchecked").replaceChildren(...unchecked.map((t) => el("li", { text: t })));
    const dialog = $("confirm-approve");
    dialog.returnValue = "";
    dialog.showModal();
  }

  async function viewCase(caseId) {
    showError(null);
    const r = await api("GET", "/v1/review/cases/" + encodeURIComponent(caseId));
    const claimed = state.claim && state.claim.caseId === caseId;
    renderCase(r.body, claimed);
    await loadLeadTools(r.body);
    $("case").scrollIntoView();
  }

  async function claimNext() {
    showError(null);
    showNotice("");
    const r = await api("POST", "/v1/review/claims");
    if (r.status === 204 || !r.body) {
      $("claim-empty").hidden = false;
      await loadQueue();
      return;
    }
    $("claim-empty").hidden = true;
    await takeClaim(r.body);
  }

  // The case on screen, picked from the list.
  async function claimThis() {
    showError(null);
    showNotice("");
    const r = await api("POST", "/v1/review/cases/" + encodeURIComponent($("claim-this").dataset.caseId) + "/claim");
    await takeClaim(r.body);
  }

  // A claim's answer: the case on screen with its countdown.
  async function takeClaim(claimed) {
    const view = claimed.case;
    state.claim = {
      token: claimed.claim_token,
      caseId: view.case_id,
      // From the server's clock: the reviewer's own clock may be wrong.
      leaseExpiresAt: Date.now() + (view.lease_seconds_left || 0) * 1000,
    };
    renderCase(view, true);
    loadLeadTools(view).catch(failed);
    startCountdown();
    await loadQueue();
  }

  // ---- the lease ------------------------------------------------------------------------------

  function startCountdown() {
    clearInterval(state.timers.lease);
    const lease = $("lease");
    lease.classList.remove("lapsed");
    const tick = () => {
      if (!state.claim) return;
      const left = state.claim.leaseExpiresAt - Date.now();
      if (left <= 0) {
        $("lease-countdown").textContent = "00:00: lapsed, the case went back to the queue";
        lease.classList.add("lapsed");
        setDecisionEnabled(false);
        $("extend-lease").disabled = true;
        clearInterval(state.timers.lease);
        return;
      }
      $("lease-countdown").textContent = clock(left);
    };
    tick();
    state.timers.lease = setInterval(tick, 1000);
  }

  function dropClaim() {
    state.claim = null;
    clearInterval(state.timers.lease);
    $("lease").hidden = true;
    $("decision-form").hidden = true;
  }

  async function extendLease() {
    if (!state.claim) return;
    showError(null);
    const r = await api("PUT", "/v1/review/cases/" + encodeURIComponent(state.claim.caseId) + "/lease", {
      claim_token: state.claim.token,
    });
    state.claim.leaseExpiresAt = Date.now() + r.body.lease_seconds_left * 1000;
    $("extend-lease").disabled = false;
    setDecisionEnabled(true);
    startCountdown();
    showNotice("Lease extended until " + cst(r.body.lease_expires_at) + ".");
  }

  // Gives the claimed case back to the queue now (another reviewer may claim it).
  async function releaseCase() {
    if (!state.claim) return;
    showError(null);
    const caseId = state.claim.caseId;
    await api("DELETE", "/v1/review/cases/" + encodeURIComponent(caseId) + "/lease", {
      claim_token: state.claim.token,
    });
    dropClaim();
    $("case").hidden = true;
    showNotice("Case " + caseId + " is back on the queue.");
    await loadQueue();
  }

  // ---- the decision ---------------------------------------------------------------------------

  function setDecisionEnabled(on) {
    $("approve").disabled = !on;
    $("reject").disabled = !on;
    $("request-material").disabled = !on;
  }

  async function decide(decision) {
    if (!state.claim) return;
    showError(null);
    const reason = $("reason").value.trim();
    if (decision !== "approve" && !reason) {
      showError(new ApiFailure(422, "REASON_REQUIRED", "write the reason the customer will read", null));
      $("reason").focus();
      return;
    }
    const body = { claim_token: state.claim.token, decision };
    if (reason) body.reason = reason;
    if (decision === "request_material") {
      body.material = [...document.querySelectorAll("#request-material-files input:checked")].map((i) => i.value);
      if (!body.material.length) {
        showError(new ApiFailure(422, "INVALID_FIELD", "tick the files the customer must send again", null));
        return;
      }
    }
    const caseId = state.claim.caseId;
    const r = await api("POST", "/v1/review/cases/" + encodeURIComponent(caseId) + "/decision", body);
    dropClaim();
    renderCase(r.body, false, true);
    showNotice("Case " + caseId + " " + (r.body.state || decision + "d") + ".");
    await loadQueue();
  }

  // ---- wiring ---------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    $("sign-in-form").addEventListener("submit", (e) => submitPassword(e));
    $("new-password-form").addEventListener("submit", (e) => submitNewPassword(e));
    $("mfa-setup-form").addEventListener("submit", (e) =>
      submitCode(e, "mfa-setup-code", "mfa-setup-submit", "/v1/staff/sessions/mfa-setup"),
    );
    $("mfa-form").addEventListener("submit", (e) =>
      submitCode(e, "mfa-code", "mfa-submit", "/v1/staff/sessions/second-factor"),
    );
    $("mfa-cancel").addEventListener("click", restartSignIn);
    $("new-password-cancel").addEventListener("click", restartSignIn);
    $("mfa-setup-cancel").addEventListener("click", restartSignIn);
    $("sign-out").addEventListener("click", () => {
      signOut();
      showNotice("Signed out.");
    });
    $("refresh-queue").addEventListener("click", () => busy($("refresh-queue"), loadQueue));
    $("refresh-figures").addEventListener("click", () => busy($("refresh-figures"), loadFigures));
    $("queue-filters").addEventListener("submit", (e) => {
      e.preventDefault();
      busy($("filter-apply"), () => loadQueue());
    });
    for (const id of ["filter-kind", "filter-state", "filter-due"]) {
      $(id).addEventListener("change", () => busy($("filter-apply"), () => loadQueue()));
    }
    $("load-more").addEventListener("click", () => busy($("load-more"), () => loadQueue(true)));
    $("lead-release").addEventListener("click", () => busy($("lead-release"), leadRelease));
    $("claim-next").addEventListener("click", () => busy($("claim-next"), claimNext));
    $("extend-lease").addEventListener("click", () => busy($("extend-lease"), extendLease));
    $("release-case").addEventListener("click", () => busy($("release-case"), releaseCase));
    $("approve").addEventListener("click", confirmApprove);
    $("confirm-approve").addEventListener("close", () => {
      if ($("confirm-approve").returnValue === "approve") busy($("approve"), () => decide("approve"));
    });
    $("preset-reason").addEventListener("change", () => {
      if ($("preset-reason").value) $("reason").value = $("preset-reason").value;
    });
    $("viewer-zoom-in").addEventListener("click", () => {
      viewer.zoom = Math.min(8, viewer.zoom * 1.25);
      applyViewer();
    });
    $("viewer-zoom-out").addEventListener("click", () => {
      viewer.zoom = Math.max(0.25, viewer.zoom / 1.25);
      applyViewer();
    });
    $("viewer-rotate").addEventListener("click", () => {
      viewer.turn = (viewer.turn + 90) % 360;
      applyViewer();
    });
    $("viewer-reset").addEventListener("click", () => {
      viewer.zoom = 1;
      viewer.turn = 0;
      applyViewer();
    });
    $("viewer-close").addEventListener("click", closeViewer);
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !$("viewer").hidden) closeViewer();
    });
    $("reject").addEventListener("click", () => busy($("reject"), () => decide("reject")));
    $("request-material").addEventListener("click", () =>
      busy($("request-material"), () => decide("request_material")),
    );
    $("claim-this").addEventListener("click", () => busy($("claim-this"), claimThis));
    $("issuer-sign-in-button").addEventListener("click", () => busy($("issuer-sign-in-button"), startIssuerSignIn));
    loadSignInConfiguration()
      .then(() => finishIssuerSignIn())
      .catch(failed)
      .finally(() => {
        document.body.dataset.ready = "true";
        if (!state.token) (state.issuer ? $("issuer-sign-in-button") : $("username")).focus();
      });
  });
})();
