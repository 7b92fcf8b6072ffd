// Every visible text on the page (and every placeholder) whose contrast with what is behind it is below min.
(min) => {
  const parse = (c) => {
    const m = /rgba?\(([^)]+)\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(x => x).map(parseFloat);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (fg, bg) => ({r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a),
                             b: fg.b * fg.a + bg.b * (1 - fg.a), a: 1});
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const root = parse(getComputedStyle(document.body).backgroundColor);
  const base = root && root.a > 0 ? over(root, {r: 255, g: 255, b: 255, a: 1}) : {r: 255, g: 255, b: 255, a: 1};
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = base;
    for (const l of layers.reverse()) bg = over(l, bg);
    return bg;
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.visibility === 'hidden' || s.display === 'none' || parseFloat(s.opacity) === 0) return false;
    }
    return !el.closest('[disabled], [aria-hidden="true"], svg');
  };
  const bad = [];
  let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const fg = parse(getComputedStyle(el).color);
    if (!fg) continue;
    const bg = behind(el);
    const r = ratio(over(fg, bg), bg);
    checked++;
    if (r < min) bad.push({text: el.textContent.trim().slice(0, 40), ratio: Math.round(r * 100) / 100,
                           tag: el.tagName, cls: String(el.className).slice(0, 60), id: el.id});
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (!visible(el) || el.value) continue;
    const fg = parse(getComputedStyle(el, '::placeholder').color);
    const bg = behind(el);
    const r = ratio(over(fg, bg), bg);
    checked++;
    if (r < min) bad.push({text: 'placeholder: ' + el.placeholder.slice(0, 30), ratio: Math.round(r * 100) / 100});
  }
  return {checked, bad};
}
