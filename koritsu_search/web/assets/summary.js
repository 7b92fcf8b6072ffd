element.addEventListener('click', (ev) => {
  const need = ev.target.closest('button.ks-need-x');
  if (need && need.dataset.need) { trigger('select', {index: 0, value: 'drop:' + need.dataset.need}); return; }
  const chip = ev.target.closest('button.ks-filter-x');
  if (chip && chip.dataset.field) {
    trigger('select', {index: 0, value: 'unfilter:' + chip.dataset.field + ':' + (chip.dataset.value || '')});
  }
});
