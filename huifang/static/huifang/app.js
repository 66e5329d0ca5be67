/* 随访中心 back office: small page glue, no framework.
 *
 * CSRF for htmx: the base template renders
 *   <meta name="csrf-token" content="{{ csrf_token }}">
 * and every htmx request gets it as the X-CSRFToken header, which Django's
 * CsrfViewMiddleware accepts (CSRF_HEADER_NAME default). The token is read at
 * request time, so it stays right after swaps or a rotated token.
 * Load after htmx.min.js; <script defer> in <head> is fine.
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });
})();
