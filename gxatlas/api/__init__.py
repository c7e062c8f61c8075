"""The REST API and the dashboard (`gxatlas serve`; `gxatlas.api.app.create_app`).

Reads (open; JSON; ``limit`` ≤ 200 and ``offset`` on lists; ``region`` = name, short name,
alias or code, descendants included):

    GET /api/{regions,parks,enterprises,projects,policies,indicators,industries,documents}
    GET /api/<type>/{id}            the entity, its facts with citations, relations, related rows
    GET /api/search?q=              across everything (`gxatlas.kb.search`)
    GET /api/map/parks              parks placed on the map with planned output
    GET /api/analysis/monitor       targets: baseline, target, actuals, monitoring status
    GET /api/analysis/audit         audit findings (?document= or ?region=)
    GET /api/analysis/parks         park evaluation
    GET /api/analysis/chains        chain templates; ?chain=&region= link status, gaps, candidates
    GET /api/analysis/partners      ?home= ranked partners with reasons and map positions
    GET /api/jobs/{id}              background job status (failed jobs say why)
    GET /openapi.json, /docs        schema and Swagger UI (bundled, no CDN)

Writes (bearer token of role write/admin, `gxatlas users add`), answered 202 with a job:

    POST /api/documents             a plan (.txt .md .pdf .docx .html): read, extract, store
    POST /api/observations          actual values (.csv .xlsx, `gxatlas.analysis.actuals`)
    POST /api/enterprises           an enterprise registry (.csv .xlsx)

An analysis module that is missing, or says it cannot answer, gives HTTP 200 with
``{"available": false, "reason": ...}`` so the dashboard shows an honest empty state.
"""
