() => { setTimeout(() => { const h = document.querySelector('#ks-detail h3'); if (h) h.focus(); }, 80); }
