"""Imported by the fork server that starts the API's reader processes (`gxatlas.ingest.isolate`):
loads the segmenter's dictionary and the gazetteer once, so that each upload's reader starts
with them instead of loading them again."""

from __future__ import annotations

from gxatlas.pipeline import warm_up

warm_up()
