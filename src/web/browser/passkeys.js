// Passkeys in the browser, as progressive enhancement: pages work without it and say so. What a
// page marks up:
//   [data-passkey-needs-script]  shown; hidden once this script runs. Not <noscript>: a browser
//                                that blocks or fails to load the script still shows it, and
//                                nothing on the page then points to a button that is not there
//   [data-passkey-reveal]        hidden; shown when the browser can use passkeys
//   [data-passkey-unsupported]   hidden; shown when it cannot
//   form[data-passkey="register" | "authenticate"][data-passkey-options="<options JSON>"]
//       hidden; shown when the browser can use passkeys. On submit the browser's prompt runs with
//       the options (from @simplewebauthn/server), its answer goes into the form's
//       input[name="response"] as JSON, and the form is sent as an ordinary POST (CSRF field
//       included). A cancelled or failed prompt shows the form's [data-passkey-error].
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';

function show(elements) {
  for (const element of elements) element.hidden = false;
}

function enhance(form) {
  const error = form.querySelector('[data-passkey-error]');
  const field = form.querySelector('input[name="response"]');
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    if (error) error.hidden = true;
    try {
      const optionsJSON = JSON.parse(form.dataset.passkeyOptions);
      const answer = form.dataset.passkey === 'register' ? await startRegistration({ optionsJSON }) : await startAuthentication({ optionsJSON });
      field.value = JSON.stringify(answer);
      form.submit();
    } catch {
      // Cancelled, timed out or refused by the browser: nothing was sent; the person may try again.
      if (error) error.hidden = false;
      busy = false;
    }
  });
}

function start() {
  for (const note of document.querySelectorAll('[data-passkey-needs-script]')) note.hidden = true;
  if (!browserSupportsWebAuthn()) {
    show(document.querySelectorAll('[data-passkey-unsupported]'));
    return;
  }
  show(document.querySelectorAll('[data-passkey-reveal]'));
  for (const form of document.querySelectorAll('form[data-passkey]')) {
    form.hidden = false;
    enhance(form);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
