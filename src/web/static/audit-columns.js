// Remembers the audit table's column widths after the admin resizes them. The page works
// without this script (CSS makes the headers resizable); it only saves the widths for next time.
(() => {
  const table = document.querySelector('table.audit');
  if (!table || !('ResizeObserver' in window)) return;
  const headers = [...table.querySelectorAll('th[data-column]')];
  const widths = () => headers.map((th) => Math.round(th.getBoundingClientRect().width));
  let saved = widths().join();
  let timer;
  const save = () => {
    const now = widths();
    if (now.join() === saved) return;
    saved = now.join();
    const body = new URLSearchParams({ _csrf: table.dataset.csrf });
    headers.forEach((th, i) => body.set(`width:${th.dataset.column}`, String(now[i])));
    fetch('/admin/audit/columns', { method: 'POST', body, credentials: 'same-origin' });
  };
  const observer = new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(save, 600);
  });
  for (const cell of table.querySelectorAll('th .resizable')) observer.observe(cell);
})();
