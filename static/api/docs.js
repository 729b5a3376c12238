// Starts Swagger UI on the API's schema. A file of its own, not an inline
// script: the content security policy runs scripts from the site only.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    deepLinking: true,
  });
})();
