// The console's passkey page [KEY-1]: sign in (password, or a passkey without a username), step
// up by SMS, add a passkey (navigator.credentials.create), list them. The API's options and
// answers are WebAuthn's JSON forms (PublicKeyCredential.parse*OptionsFromJSON, toJSON()). The
// access token is kept in this page's memory only.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const state = { token: null, challengeId: null };

  async function api(method, path, body) {
    const headers = { "content-type": "application/json" };
    if (state.token) headers.authorization = "Bearer " + state.token;
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    const data = text ? JSON.parse(text) : null;
    if (!r.ok) {
      const e = (data && data.error) || {};
      throw new Error((e.code || r.status) + ": " + (e.message || "the request failed"));
    }
    return data;
  }

  function show(id, text) {
    $(id).textContent = text;
    $(id).hidden = !text;
  }

  async function act(work) {
    show("error", "");
    show("notice", "");
    try {
      await work();
    } catch (e) {
      show("error", e.message || String(e));
    }
  }

  async function signedIn(session, method) {
    state.token = session.access_token;
    $("account-id").textContent = session.account_id;
    $("method").textContent = method;
    $("signed-out").hidden = true;
    $("signed-in").hidden = false;
    await listPasskeys();
  }

  async function listPasskeys() {
    const r = await api("GET", "/v1/passkeys");
    const list = $("passkeys");
    list.replaceChildren();
    for (const p of r.passkeys) {
      const li = document.createElement("li");
      li.dataset.testid = "passkey";
      li.textContent = p.name + " · added " + p.created_at + (p.last_used_at ? " · last used " + p.last_used_at : "");
      list.append(li);
    }
    if (!r.passkeys.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = "No passkey yet.";
      list.append(li);
    }
  }

  async function passwordSignIn(event) {
    event.preventDefault();
    const r = await api("POST", "/v1/sessions", { username: $("username").value, password: $("password").value });
    if (!r.access_token) throw new Error("this account asks for a second factor: use a passkey, or the console");
    await signedIn(r, "password");
  }

  async function passkeySignIn() {
    const begun = await api("POST", "/v1/passkey-sign-ins", {});
    const assertion = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begun.options.publicKey),
    });
    const session = await api("POST", "/v1/passkey-sign-ins/" + begun.ceremony_id, { credential: assertion.toJSON() });
    await signedIn(session, "passkey");
    show("notice", "Signed in with a passkey.");
  }

  async function sendCode() {
    const r = await api("POST", "/v1/step-up/sms-codes");
    state.challengeId = r.challenge_id;
    show("notice", "A code was sent to your phone.");
  }

  async function stepUp() {
    await api("POST", "/v1/step-up", { factor: "sms", code: $("code").value.trim(), challenge_id: state.challengeId });
    show("notice", "Confirmed for 5 minutes.");
  }

  async function addPasskey() {
    const begun = await api("POST", "/v1/passkeys/registrations", { name: $("passkey-name").value });
    const made = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begun.options.publicKey),
    });
    const p = await api("POST", "/v1/passkeys/registrations/" + begun.ceremony_id, { credential: made.toJSON() });
    await listPasskeys();
    show("notice", "Passkey “" + p.name + "” added.");
  }

  function signOut() {
    const token = state.token;
    state.token = null;
    $("signed-in").hidden = true;
    $("signed-out").hidden = false;
    if (token) fetch("/v1/sessions/current", { method: "DELETE", headers: { authorization: "Bearer " + token } });
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("password-form").addEventListener("submit", (e) => act(() => passwordSignIn(e)));
    $("passkey-sign-in").addEventListener("click", () => act(passkeySignIn));
    $("send-code").addEventListener("click", () => act(sendCode));
    $("step-up").addEventListener("click", () => act(stepUp));
    $("add-passkey").addEventListener("click", () => act(addPasskey));
    $("sign-out").addEventListener("click", signOut);
    document.body.dataset.ready = "true";
  });
})();
