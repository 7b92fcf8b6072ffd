element.addEventListener('click', (ev) => {
  if (ev.target.closest('button.ks-back')) { trigger('select', {index: 0, value: '__back__'}); }
});
