/* Start Swagger UI on /api/docs. A file, not an inline script: the page's CSP allows scripts
   from this server only. No validator badge: it would load an image from another host. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var Bundle = window.SwaggerUIBundle;
  if (!root || typeof Bundle !== "function") return;
  Bundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [Bundle.presets.apis, Bundle.SwaggerUIStandalonePreset]
  });
})();
