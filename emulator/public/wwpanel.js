// Emulator of the script in WeCom's embeddable login panel (the frame `ww.createWWLoginPanel` makes), with
// `redirect_type=top`: once the phone confirmed, the whole window goes on to redirect_uri?code&state, as WeCom's
// panel does. Served as a file so it runs under `script-src 'self'`.
(() => {
  var done = document.getElementById('wecom-panel-continue');
  if (done) {
    window.top.location.href = done.href;
    return;
  }
  // The phone button opens the phone page in a new tab. The embedder's sandbox may allow no popups (wecas's does
  // not): then the phone takes this whole tab instead, and after "Log in" it carries the code on itself.
  var phone = document.getElementById('wecom-open-phone');
  if (!phone || window.top === window) return;
  phone.addEventListener('click', (event) => {
    event.preventDefault();
    var opened = window.open(phone.href, '_blank');
    if (opened) {
      opened.opener = null;
      return;
    }
    window.top.location.href = phone.getAttribute('data-same-tab-href');
  });
})();
