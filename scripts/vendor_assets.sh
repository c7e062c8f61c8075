#!/usr/bin/env bash
# Re-fetch the dashboard's bundled third-party assets through npm (maintainers only; the
# files are committed, so CI and users never run this and nothing is fetched at run time).
#   - ECharts 5.x dist/echarts.min.js                       -> gxatlas/web/static/vendor/
#   - Guangxi city geometry from echarts@4.9.0 (encoded)     -> gxatlas/web/static/geo/guangxi.json
#   - Swagger UI (swagger-ui-dist) for /docs                -> gxatlas/web/static/vendor/swagger/
#   - China provinces + ASEAN and neighbouring countries     -> gxatlas/web/static/geo/china_asean.json
# Licences: Apache-2.0 (ECharts and its map files); see gxatlas/web/static/vendor/README.md.
set -euo pipefail

ECHARTS_VERSION="${ECHARTS_VERSION:-5.6.0}"
MAPS_VERSION="4.9.0"   # the last ECharts release that shipped map/json
SWAGGER_VERSION="${SWAGGER_VERSION:-5.35.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATIC="$ROOT/gxatlas/web/static"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "echarts@${ECHARTS_VERSION}" "echarts@${MAPS_VERSION}" \
  "swagger-ui-dist@${SWAGGER_VERSION}" >/dev/null
mkdir new maps swagger
tar xzf "swagger-ui-dist-${SWAGGER_VERSION}.tgz" -C swagger
tar xzf "echarts-${ECHARTS_VERSION}.tgz" -C new
tar xzf "echarts-${MAPS_VERSION}.tgz" -C maps

mkdir -p "$STATIC/vendor" "$STATIC/geo"
cp new/package/dist/echarts.min.js "$STATIC/vendor/echarts.min.js"
cp new/package/LICENSE "$STATIC/vendor/LICENSE-echarts.txt"
mkdir -p "$STATIC/vendor/swagger"
for f in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png; do
  cp "swagger/package/$f" "$STATIC/vendor/swagger/$f"
done
cp swagger/package/LICENSE "$STATIC/vendor/swagger/LICENSE-swagger-ui.txt"
cp swagger/package/NOTICE "$STATIC/vendor/swagger/NOTICE-swagger-ui.txt"
cp maps/package/map/json/province/guangxi.json "$STATIC/geo/guangxi.json"
"$PY" -m gxatlas.web.geo build-china-asean \
  --china maps/package/map/json/china.json \
  --world maps/package/map/json/world.json \
  --out "$STATIC/geo/china_asean.json"
echo "vendored echarts ${ECHARTS_VERSION} and maps from echarts ${MAPS_VERSION} into $STATIC"
