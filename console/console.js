// iamd console: small progressive enhancements. Every page works without this file.
(() => {
  const csrf = () => document.querySelector('input[name="_csrf"]')?.value ?? '';

  // Copy buttons.
  document.querySelectorAll('button[data-copy]').forEach((b) => {
    b.addEventListener('click', () => {
      navigator.clipboard?.writeText(b.dataset.copy ?? '').then(() => {
        const label = b.textContent;
        b.textContent = '✓';
        setTimeout(() => (b.textContent = label), 1200);
      });
    });
  });

  // Show a secret in place.
  document.querySelectorAll('button[data-reveal]').forEach((b) => {
    b.addEventListener('click', () => {
      const secret = b.parentElement?.querySelector('[data-secret]');
      if (!secret) return;
      secret.hidden = false;
      // The button goes away: the focus moves to the secret shown, not back to the page's top.
      secret.tabIndex = -1;
      secret.focus();
      b.remove();
    });
  });

  // Confirm destructive actions.
  document.querySelectorAll('form[data-confirm]').forEach((f) => {
    f.addEventListener('submit', (e) => {
      if (!window.confirm(f.dataset.confirm ?? '')) e.preventDefault();
    });
  });

  // Names validated as you type (AWS: [\w+=,.@-], up to N characters), in the page's language.
  document.querySelectorAll('input[data-validate-name]').forEach((input) => {
    const max = Number(input.dataset.validateName);
    const out = input.parentElement?.querySelector('.field-error');
    const check = () => {
      const v = input.value;
      let msg = '';
      if (v.length > max) msg = (input.dataset.msgLong ?? '').replace('{n}', String(v.length));
      else if (v && !/^[\w+=,.@-]+$/.test(v)) msg = input.dataset.msgChars ?? '';
      input.setCustomValidity(msg);
      if (out) out.textContent = msg;
    };
    input.addEventListener('input', check);
    check();
  });

  // New users: the extra name fields appear as the previous one is filled (a filled one, as a
  // form restored by Back, always shows).
  const nameInputs = [...document.querySelectorAll('#new-user-form input[name^="name"]')];
  const syncNames = () => {
    nameInputs.forEach((input, i) => {
      const label = input.closest('label.extra');
      if (label) label.hidden = !input.value && !nameInputs[i - 1]?.value;
    });
  };
  for (const input of nameInputs) input.addEventListener('input', syncNames);

  // Console password options only when console access is chosen (the custom password field
  // only for a custom password: console.css, which works without this file too).
  const consoleBox = document.getElementById('console-access');
  const options = document.getElementById('password-options');
  const syncOptions = () => {
    if (consoleBox && options) options.hidden = !consoleBox.checked;
  };
  consoleBox?.addEventListener('change', syncOptions);

  // Add user's permissions: only the chosen option's fields.
  const permForm = document.getElementById('new-user-form');
  const syncPerm = () => {
    const mode = permForm?.querySelector('input[name="permMode"]:checked')?.value;
    if (!mode) return;
    permForm.querySelectorAll('[data-perm]').forEach((el) => {
      el.hidden = !(el.dataset.perm ?? '').split(' ').includes(mode);
    });
  };
  permForm?.addEventListener('change', syncPerm);

  // What a restored page (Back, Forward) shows follows its restored fields.
  const syncAll = () => {
    syncNames();
    syncOptions();
    syncPerm();
  };
  syncAll();
  window.addEventListener('load', syncAll);
  window.addEventListener('pageshow', syncAll);

  // Forms that create something submit once: a second click does nothing (the server also
  // answers a repeated form with the first answer).
  document.querySelectorAll('form[data-submit-once]').forEach((f) => {
    f.addEventListener('submit', (e) => {
      if (f.dataset.submitted === '1') {
        e.preventDefault();
        return;
      }
      f.dataset.submitted = '1';
      // Disabled after the submission started, so the clicked button's name and value are sent.
      setTimeout(() => {
        for (const b of f.querySelectorAll('button[type="submit"]')) b.disabled = true;
      }, 0);
    });
  });
  window.addEventListener('pageshow', () => {
    document.querySelectorAll('form[data-submit-once]').forEach((f) => {
      delete f.dataset.submitted;
      for (const b of f.querySelectorAll('button[type="submit"]')) b.disabled = false;
    });
  });

  // Phones: the side navigation starts folded.
  const menu = document.querySelector('nav.side details.menu');
  if (menu && window.matchMedia('(max-width: 720px)').matches) menu.open = false;

  // Filter a table's rows by data-name.
  document.querySelectorAll('input[data-filter-table]').forEach((input) => {
    const table = document.getElementById(input.dataset.filterTable ?? '');
    input.addEventListener('input', () => {
      const q = input.value.trim().toLowerCase();
      table?.querySelectorAll('tbody tr').forEach((tr) => {
        tr.hidden = q !== '' && !(tr.dataset.name ?? '').includes(q) && !tr.querySelector('input:checked');
      });
    });
  });

  // Policy JSON validated as you type, by iamd's own validator.
  document.querySelectorAll('textarea[data-policy-editor]').forEach((area) => {
    const list = document.getElementById('policy-findings');
    let timer;
    const validate = async () => {
      const res = await fetch('/console/api/validate-policy', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
        body: JSON.stringify({ document: area.value, kind: area.dataset.policyEditor }),
      });
      if (!res.ok || !list) return;
      const result = await res.json();
      list.replaceChildren(
        ...result.findings.map((f) => {
          const li = document.createElement('li');
          li.className = f.severity;
          li.textContent = `${f.severity}${f.path ? ` (${f.path})` : ''}: ${f.message}`;
          return li;
        }),
      );
      area.classList.toggle('invalid', !result.valid);
    };
    area.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(validate, 250);
    });
    area.addEventListener('policy-changed', validate);
    validate();
  });

  // New role: only the chosen trusted entity's fields show, and the trust policy is generated
  // from the choices (by the server, as without JavaScript) until it is edited by hand.
  const trustForm = document.querySelector('form[data-trust-form]');
  if (trustForm) {
    const area = trustForm.querySelector('textarea[data-policy-editor]');
    const fieldset = document.getElementById('trusted-entity');
    const regen = document.getElementById('regenerate-trust');
    let edited = false;
    let timer;
    const entity = () => trustForm.querySelector('input[name="entity"]:checked')?.value ?? 'service';
    const sync = () => {
      trustForm.querySelectorAll('[data-entity]').forEach((el) => {
        el.hidden = !(el.dataset.entity ?? '').split(' ').includes(entity());
      });
    };
    const generate = async () => {
      const fd = new FormData(trustForm);
      const body = {
        entity: entity(),
        service: fd.get('service'),
        accountId: fd.get('accountId'),
        externalId: fd.get('externalId'),
        requireMfa: fd.get('requireMfa') === '1',
        userArn: fd.getAll('userArn'),
      };
      const res = await fetch('/console/api/trust-policy', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
        body: JSON.stringify(body),
      });
      if (!res.ok || !area) return;
      area.value = (await res.json()).document;
      area.dataset.generated = '1';
      area.dispatchEvent(new CustomEvent('policy-changed'));
    };
    const changed = () => {
      sync();
      clearTimeout(timer);
      if (!edited) timer = setTimeout(generate, 150);
    };
    area?.addEventListener('input', () => {
      edited = true;
      if (regen) regen.hidden = false;
    });
    regen?.addEventListener('click', () => {
      edited = false;
      regen.hidden = true;
      generate();
    });
    fieldset?.addEventListener('change', changed);
    fieldset?.addEventListener('input', changed);
    sync();
  }

  // Policy simulator: the policy text fields only for the chosen mode.
  const simForm = document.getElementById('simulator-form');
  if (simForm) {
    const sync = () => {
      const mode = simForm.querySelector('input[name="mode"]:checked')?.value ?? 'principal';
      for (const el of simForm.querySelectorAll('[data-mode]')) el.hidden = el.dataset.mode !== mode;
    };
    simForm.addEventListener('change', sync);
    sync();
  }
})();
