(...args) => { window.__ksHold = true; return args; }
