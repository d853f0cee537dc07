// The bundled site's script: shows whether /api/health answers.
(function () {
  var el = document.getElementById('health');
  fetch('/api/health').then(function (r) { return r.json(); }).then(function (j) {
    el.textContent = j.status === 'ok' ? 'ok' : String(j.status);
    el.className = j.status === 'ok' ? 'ok' : 'down';
  }).catch(function () { el.textContent = 'not answering'; el.className = 'down'; });
})();
