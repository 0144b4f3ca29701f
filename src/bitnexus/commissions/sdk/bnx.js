/* BitNexus conversion snippet (no dependencies, no cookies of ours: everything stays on your site).
 *
 * On every page of your site:
 *   <script src="https://YOUR-BITNEXUS/sdk/bnx.js" data-key="bnx_live_…" async></script>
 * (`data-key` is a *browser* key: it can report sales from your own site and nothing else.)
 * It keeps the `bnx_cid` an affiliate link added to the address in a first-party cookie
 * (`data-days`, 30 by default). On your thank-you page, report the sale:
 *   <script>window.bnx=window.bnx||{q:[]};bnx.q.push(["convert",{orderId:"1001",amountMinor:4900,currency:"USD"}]);</script>
 * or call `bnx.convert({...})` once the snippet has loaded; it returns a promise of the result.
 * A subscription's first payment may add `subscriptionId` (your id for it).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var key = script.getAttribute("data-key") || "";
  var base = new URL(script.src).origin;
  var days = Number(script.getAttribute("data-days")) || 30;
  var CID = /^[0-9a-f]{32}$/i;

  var fromUrl = new URLSearchParams(window.location.search).get("bnx_cid");
  if (fromUrl && CID.test(fromUrl)) {
    document.cookie = "bnx_cid=" + fromUrl + "; path=/; max-age=" + days * 86400 + "; samesite=lax" +
      (window.location.protocol === "https:" ? "; secure" : "");
  }

  function clickId() {
    var found = document.cookie.match(/(?:^|;\s*)bnx_cid=([0-9a-fA-F]{32})/);
    return found ? found[1] : null;
  }

  function convert(sale) {
    var body = {
      key: key,
      order_id: String(sale.orderId),
      amount_minor: sale.amountMinor,
      currency: sale.currency,
      click_id: clickId(),
      coupon: sale.coupon || null,
      customer_ref: sale.customerRef || null,
      subscription_id: sale.subscriptionId ? String(sale.subscriptionId) : null,
    };
    // text/plain keeps it a "simple" request: no preflight, and it survives leaving the page
    return fetch(base + "/api/v1/sdk/conversions", {
      method: "POST",
      mode: "cors",
      keepalive: true,
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw Object.assign(new Error(data.detail || "conversion refused"), { problem: data });
        return data;
      });
    });
  }

  var queued = (window.bnx && window.bnx.q) || [];
  window.bnx = { convert: convert, clickId: clickId, q: { push: function (c) { if (c[0] === "convert") convert(c[1]); } } };
  queued.forEach(function (c) { window.bnx.q.push(c); });
})();
