() => {
  // The page is Japanese (Gradio's front end sets lang from its own locale): keep it so.
  const ja = () => { if (document.documentElement.lang !== 'ja') document.documentElement.lang = 'ja'; };
  ja();
  new MutationObserver(ja).observe(document.documentElement, {attributes: true, attributeFilter: ['lang']});
  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {
      const t = document.createElement('textarea'); t.value = text; t.style.position = 'fixed'; t.style.opacity = '0';
      document.body.appendChild(t); t.select(); let ok = false; try { ok = document.execCommand('copy'); } catch (e2) {}
      t.remove(); return ok;
    }
  };
  document.addEventListener('click', async (ev) => {
    const b = ev.target.closest('button.ks-copy');
    if (!b) return;
    const ok = await copy(b.dataset.copy || '');
    b.classList.toggle('ks-done', ok);
    b.setAttribute('aria-label', ok ? 'コピーしました / Copied' : 'コピーできませんでした / Copy failed');
  });
  window.addEventListener('popstate', () => { window.location.reload(); });
  // Remember where the reader was on each entry of the history, for the back button. Not while
  // a reload is on its way back to the saved place, nor while a new answer replaces the page
  // before its URL is pushed: both shift the layout, and the shifted place is not the reader's.
  window.history.scrollRestoration = 'manual';
  window.__ksHold = !!((window.history.state || {}).ksY);
  let pending = null;
  window.addEventListener('scroll', () => {
    if (pending || window.__ksHold) return;
    pending = setTimeout(() => {
      pending = null;
      if (!window.__ksHold) window.history.replaceState(Object.assign({}, window.history.state || {}, {ksY: window.scrollY}), '');
    }, 150);
  }, {passive: true});
  const busy = document.createElement('div');
  busy.id = 'ks-busy'; busy.hidden = true; busy.setAttribute('role', 'status');
  busy.textContent = '検索中… / Searching…';
  const anchor = document.querySelector('#ks-status');
  if (anchor && anchor.parentNode) anchor.parentNode.insertBefore(busy, anchor); else document.body.prepend(busy);
}
