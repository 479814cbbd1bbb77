// iamd console: small progressive enhancements. Every page works without this file.
(() => {
  'use strict';
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
      if (secret) secret.hidden = false;
      b.remove();
    });
  });

  // Confirm destructive actions.
  document.querySelectorAll('form[data-confirm]').forEach((f) => {
    f.addEventListener('submit', (e) => {
      if (!window.confirm(f.dataset.confirm ?? '')) e.preventDefault();
    });
  });

  // Names validated as you type (AWS: [\w+=,.@-], up to N characters).
  document.querySelectorAll('input[data-validate-name]').forEach((input) => {
    const max = Number(input.dataset.validateName);
    const out = input.parentElement?.querySelector('.field-error');
    const check = () => {
      const v = input.value;
      let msg = '';
      if (v.length > max) msg = `${v.length}/${max}`;
      else if (v && !/^[\w+=,.@-]+$/.test(v)) msg = '[A-Za-z0-9+=,.@_-]';
      input.setCustomValidity(msg);
      if (out) out.textContent = msg;
    };
    input.addEventListener('input', check);
  });

  // New users: the extra name fields appear as the previous one is filled.
  const extras = [...document.querySelectorAll('label.extra')];
  extras.forEach((l) => (l.hidden = true));
  document.querySelectorAll('input[name^="name"]').forEach((input, i, all) => {
    input.addEventListener('input', () => {
      const nextLabel = all[i + 1]?.closest('label');
      if (nextLabel && input.value) nextLabel.hidden = false;
    });
  });

  // Console password options only when console access is chosen.
  const consoleBox = document.getElementById('console-access');
  const options = document.getElementById('password-options');
  if (consoleBox && options) {
    const sync = () => (options.hidden = !consoleBox.checked);
    consoleBox.addEventListener('change', sync);
    sync();
  }

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
    validate();
  });
})();
