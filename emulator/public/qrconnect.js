// Emulator of WeChat's qrconnect page script: long-polls the QR status and acts on it as WeChat's
// page does (docs/wechat-open-platform.md §3). Served as a file so the page works under `script-src 'self'`.
function qrconnectPage() {
  var root = document.getElementById('wx_emulator_login');
  if (!root) return;
  var data = root.dataset;
  var last = null;

  function show(id) {
    var panels = root.querySelectorAll('.js_status');
    for (let i = 0; i < panels.length; i++) panels[i].hidden = panels[i].id !== id;
  }

  function withQuery(url, query) {
    return url + (url.indexOf('?') === -1 ? '?' : '&') + query;
  }

  // self_redirect=true (and the full page) navigate this window; false/default the top window.
  function go(url) {
    if (data.navigate === 'top') window.top.location.href = url;
    else window.location.href = url;
  }

  function handle(errcode, code) {
    switch (errcode) {
      case 405: // confirmed on the phone
        go(withQuery(data.redirectUri, `code=${encodeURIComponent(code)}&state=${encodeURIComponent(data.state)}`));
        return false;
      case 404: // scanned, waiting for the person to confirm
        show('wx_after_scan');
        last = 404;
        return true;
      case 403: // refused on the phone
        if (data.legacyDeny === '1') {
          go(withQuery(data.redirectUri, `state=${encodeURIComponent(data.state)}`));
          return false;
        }
        show('wx_after_cancel');
        last = 403;
        return true;
      case 408: // nothing new
        return true;
      default: // 402 expired, 500 error: a new QR is needed
        show('wx_expired');
        return false;
    }
  }

  function poll() {
    var url = `${data.pollUrl}?uuid=${encodeURIComponent(data.uuid)}${last ? `&last=${last}` : ''}&_=${Date.now()}`;
    fetch(url, { cache: 'no-store' })
      .then((response) => response.text())
      .then((text) => {
        var errcode = /wx_errcode=(\d+)/.exec(text);
        var code = /wx_code='([^']*)'/.exec(text);
        if (handle(errcode ? Number(errcode[1]) : 500, code ? code[1] : '')) setTimeout(poll, 200);
      })
      .catch(() => {
        setTimeout(poll, 2000);
      });
  }

  // The phone button opens the phone page in a new tab. A sandboxed iframe without allow-popups
  // (wecas's login page) blocks that silently, so the phone then takes this whole tab instead, in
  // its same-tab mode (after Allow it carries the code on itself). The QR frame never navigates.
  var phoneButton = root.querySelector('.emu-phone-button');
  if (phoneButton) {
    phoneButton.addEventListener('click', (event) => {
      event.preventDefault();
      var opened = window.open(phoneButton.href, '_blank');
      if (opened) {
        opened.opener = null;
        return;
      }
      try {
        window.top.location.href = phoneButton.getAttribute('data-same-tab-href');
      } catch (error) {
        // Neither a new tab nor the top window may be opened from here: nothing else is possible.
        if (window.console) console.warn('The emulator could not open its phone page from this frame:', error);
      }
    });
  }

  poll();
}

qrconnectPage();
