"""The dashboard's static files (``static/``: index.html, app.js, style.css, bundled ECharts,
Swagger UI and map geometry; see ``static/vendor/README.md``) and the geometry helpers."""
