() => { setTimeout(() => {
  window.scrollTo({top: window.__ksScroll || 0, behavior: 'instant'});
  const id = window.__ksLast;
  if (id) { const b = Array.from(document.querySelectorAll('#ks-cards button.ks-detail-btn')).find(x => x.dataset.record === id);
            if (b) b.focus({preventScroll: true}); }
}, 80); }
