(...args) => {
  // The controls arrive in the order of NAMES; the page URL keeps what is needed to show this again.
  const v = Object.fromEntries(NAMES.map((n, i) => [n, args[i]]));
  const busy = document.querySelector('#ks-busy'); if (busy) busy.hidden = true;
  window.__ksHold = false;
  const q = (v.question || '').trim();
  const detail = v.detail_ref || '';
  const at = detail.indexOf('=');
  if (!q && at <= 0) return;
  const u = new URL(window.location.href);
  u.search = '';
  if (q) u.searchParams.set('q', q);
  if (v.show_all) u.searchParams.set('all', '1');
  if (v.low) u.searchParams.set('low', '1');
  if (v.sort && v.sort !== 'relevance') u.searchParams.set('sort', v.sort);
  if (v.group) u.searchParams.set('group', v.group);
  for (const k of LISTS) for (const x of (v[k] || [])) u.searchParams.append(k, x);
  for (const x of String(v.drop || '').split(',').filter(x => x)) u.searchParams.append('drop', x);
  if (at > 0) u.searchParams.set(detail.slice(0, at), detail.slice(at + 1));
  if (u.href !== window.location.href) window.history.pushState({}, '', u.href);
}
