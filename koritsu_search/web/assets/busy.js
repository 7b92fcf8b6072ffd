(...args) => {
  const b = document.querySelector('#ks-busy');
  if (b && args[0] && String(args[0]).trim()) b.hidden = false;
  window.__ksHold = true;  // until the new URL is pushed
  args[NAMES.indexOf('drop')] = '';  // a question asked anew reads every need again
  args[NAMES.indexOf('detail_ref')] = '';  // and shows the answer, not a detail
  return args;
}
