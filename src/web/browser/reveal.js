/**
 * Show/hide buttons for secret fields outside the password pages (the enrollment's answers): the
 * page renders each as a hidden `button.reveal[data-reveal=<input id>]`; with script it appears
 * and toggles what the field shows. Whatever is sent goes as a password field, never kept as text.
 */
for (const button of document.querySelectorAll('button.reveal[data-reveal]')) {
  const input = document.getElementById(button.dataset.reveal);
  if (!input) continue;
  button.hidden = false;
  button.addEventListener('click', () => {
    const shown = button.getAttribute('aria-pressed') !== 'true';
    button.setAttribute('aria-pressed', String(shown));
    input.type = shown ? 'text' : 'password';
  });
  input.form?.addEventListener('submit', () => {
    input.type = 'password';
  });
}
