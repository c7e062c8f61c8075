"""gxatlas (广西产业图谱): regional industrial planning intelligence for Guangxi.

Data flows one way, one folder a step:
ingest -> extract -> kb -> analysis -> api / web / report; ``data`` is read by all.
"""

__version__ = "0.1.0"
