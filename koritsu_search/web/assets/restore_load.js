() => { const y = (window.history.state || {}).ksY;
  if (!y) { window.__ksHold = false; return; }
  // The answer may still be rendering (a long list on a busy machine) and later parts (menus,
  // chart) still move the layout: keep the place until it has held for a second, for up to 15 s,
  // unless the reader scrolls first.
  let n = 0, held = 0, mine = false;
  const stop = () => { mine = true; };
  for (const ev of ['wheel', 'touchstart', 'keydown', 'mousedown']) window.addEventListener(ev, stop, {once: true, passive: true});
  const go = () => {
    if (mine) { window.__ksHold = false; return; }
    const tall = document.documentElement.scrollHeight >= y + window.innerHeight - 2;
    if (tall) window.scrollTo({top: y, behavior: 'instant'});
    held = tall && Math.abs(window.scrollY - y) <= 2 ? held + 1 : 0;
    if (held < 10 && n++ < 150) setTimeout(go, 100); else window.__ksHold = false;
  };
  setTimeout(go, 50); }
