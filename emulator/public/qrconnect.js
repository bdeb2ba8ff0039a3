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

  // Quick login (快速登录): the desktop client's account instead of the QR, or the QR.
  var quickPanel = document.getElementById('wx_quick_login');
  var qrPanel = document.getElementById('wx_qrcode_panel');
  var quickBack = document.getElementById('wx_quick_back');
  var quickAvailable = false;

  function showView(view) {
    if (!quickPanel || !qrPanel) return;
    quickPanel.hidden = view !== 'quick';
    qrPanel.hidden = view === 'quick';
    if (quickBack) quickBack.hidden = !quickAvailable;
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
        showView('qr');
        show('wx_after_scan');
        last = 404;
        return true;
      case 403: // refused on the phone
        if (data.legacyDeny === '1') {
          go(withQuery(data.redirectUri, `state=${encodeURIComponent(data.state)}`));
          return false;
        }
        showView('qr');
        show('wx_after_cancel');
        last = 403;
        return true;
      case 408: // nothing new
        return true;
      default: // 402 expired, 500 error: a new QR is needed (quick login too: it confirms this QR)
        quickAvailable = false;
        showView('qr');
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

  // WeChat's page asks the desktop client on this PC (https://localhost.weixin.qq.com:13013/api/check-login, a
  // loopback address). Chrome 142+ lets a frame reach the local network only when its embedder allowed it
  // (allow="local-network-access"; Chrome 147+ names loopback access `loopback-network`, which that grants too);
  // without it the probe fails and WeChat shows just the QR. The emulator asks itself instead, but only when the
  // browser would have let the probe through.
  function localNetworkAllowed() {
    var policy = document.permissionsPolicy || document.featurePolicy;
    if (!policy || typeof policy.allowsFeature !== 'function' || typeof policy.features !== 'function') return true;
    var known = policy.features();
    if (known.indexOf('loopback-network') !== -1) return policy.allowsFeature('loopback-network');
    if (known.indexOf('local-network-access') !== -1) return policy.allowsFeature('local-network-access');
    // A browser that knows neither asks no permission (Chrome before 142, other browsers).
    return true;
  }

  function startQuickLogin() {
    if (!quickPanel || !data.quickCheckUrl || !localNetworkAllowed()) return;
    var button = document.getElementById('wx_quick_login_button');
    var status = document.getElementById('wx_quick_status');
    fetch(data.quickCheckUrl, { cache: 'no-store' })
      .then((response) => response.json())
      .then((client) => {
        if (!client?.signedIn || last !== null) return;
        document.getElementById('wx_quick_nickname').textContent = client.nickname;
        var avatar = document.getElementById('wx_quick_avatar');
        if (client.avatar) {
          avatar.src = client.avatar;
          avatar.hidden = false;
        } else {
          document.getElementById('wx_quick_avatar_empty').hidden = false;
        }
        quickAvailable = true;
        showView('quick');
      })
      .catch(() => {
        // No desktop client (or the probe was refused): the QR stays, as on WeChat.
      });

    button.addEventListener('click', () => {
      button.disabled = true;
      status.textContent = button.getAttribute('data-confirming');
      status.hidden = false;
      fetch(data.quickConfirmUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `uuid=${encodeURIComponent(data.uuid)}`,
        cache: 'no-store',
      })
        .then((response) => {
          if (!response.ok) throw new Error(`quick login refused: HTTP ${response.status}`);
          // Confirmed: the long-poll now reports 405 with the code and the page leaves as after a scan.
        })
        .catch(() => {
          status.textContent = button.getAttribute('data-failed');
          button.disabled = false;
        });
    });
    root.addEventListener('click', (event) => {
      var target = event.target;
      if (!(target instanceof Element)) return;
      if (target.closest('.js_quick_use_qr')) {
        event.preventDefault();
        showView('qr');
      } else if (target.closest('.js_quick_show')) {
        event.preventDefault();
        showView('quick');
      }
    });
  }

  startQuickLogin();
  poll();
}

qrconnectPage();
