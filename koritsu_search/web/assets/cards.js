element.addEventListener('click', (ev) => {
  const b = ev.target.closest('button.ks-detail-btn');
  if (b && b.dataset.record) {
    window.__ksScroll = window.scrollY; window.__ksLast = b.dataset.record;
    trigger('select', {index: 0, value: b.dataset.record});
  }
});
