"""Where clicks are kept from the moment a redirect is answered until PostgreSQL has them: the
recorder (`ClickRecorder.record(visit)`), its write-ahead spool and the spool's line codec."""

from bitnexus.tracking.recorder.recorder import ClickRecorder

__all__ = ["ClickRecorder"]
