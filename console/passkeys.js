// Passkeys and security keys (WebAuthn) for the console: registering one as an MFA device
// (form#passkey-register) and using one at the MFA step of sign-in (button#passkey-signin). The
// server sends the options as JSON with base64url fields; the browser's API takes ArrayBuffers.

(() => {
  const toBuffer = (s) => {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  };
  const toBase64url = (buf) => {
    let bin = '';
    for (const b of new Uint8Array(buf)) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const showError = (text) => {
    const el = document.getElementById('passkey-error');
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
  };
  async function post(url, csrf, body) {
    const res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body),
    });
    let answer = {};
    try {
      answer = await res.json();
    } catch {
      answer = {};
    }
    if (!res.ok) throw new Error(answer.error || res.statusText);
    return answer;
  }
  const descriptors = (list) => (list || []).map((c) => ({ ...c, id: toBuffer(c.id) }));

  const form = document.getElementById('passkey-register');
  if (form) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = document.getElementById('passkey-register-submit');
      if (!window.PublicKeyCredential || !navigator.credentials) return showError(form.dataset.unsupported);
      const csrf = form.querySelector('input[name="_csrf"]').value;
      button.disabled = true;
      try {
        const options = await post(form.dataset.options, csrf, { name: form.elements.name.value, user: form.dataset.user });
        let credential;
        try {
          credential = await navigator.credentials.create({
            publicKey: {
              ...options,
              challenge: toBuffer(options.challenge),
              user: { ...options.user, id: toBuffer(options.user.id) },
              excludeCredentials: descriptors(options.excludeCredentials),
            },
          });
        } catch {
          throw new Error(form.dataset.cancelled);
        }
        const r = credential.response;
        const done = await post(form.dataset.register, csrf, {
          response: {
            id: credential.id,
            rawId: toBase64url(credential.rawId),
            type: credential.type,
            authenticatorAttachment: credential.authenticatorAttachment || undefined,
            clientExtensionResults: credential.getClientExtensionResults(),
            response: {
              clientDataJSON: toBase64url(r.clientDataJSON),
              attestationObject: toBase64url(r.attestationObject),
              transports: typeof r.getTransports === 'function' ? r.getTransports() : [],
            },
          },
        });
        window.location.assign(done.location);
      } catch (error) {
        showError(error.message);
        button.disabled = false;
      }
    });
  }

  const signin = document.getElementById('passkey-signin');
  if (signin) {
    signin.addEventListener('click', async () => {
      if (!window.PublicKeyCredential || !navigator.credentials) return showError(signin.dataset.unsupported);
      const csrf = signin.dataset.csrf;
      signin.disabled = true;
      try {
        const options = await post(signin.dataset.options, csrf, {});
        let assertion;
        try {
          assertion = await navigator.credentials.get({
            publicKey: { ...options, challenge: toBuffer(options.challenge), allowCredentials: descriptors(options.allowCredentials) },
          });
        } catch {
          throw new Error(signin.dataset.cancelled);
        }
        const r = assertion.response;
        const done = await post(signin.dataset.verify, csrf, {
          response: {
            id: assertion.id,
            rawId: toBase64url(assertion.rawId),
            type: assertion.type,
            authenticatorAttachment: assertion.authenticatorAttachment || undefined,
            clientExtensionResults: assertion.getClientExtensionResults(),
            response: {
              clientDataJSON: toBase64url(r.clientDataJSON),
              authenticatorData: toBase64url(r.authenticatorData),
              signature: toBase64url(r.signature),
              userHandle: r.userHandle ? toBase64url(r.userHandle) : undefined,
            },
          },
        });
        window.location.assign(done.location);
      } catch (error) {
        showError(error.message);
        signin.disabled = false;
      }
    });
  }
})();
