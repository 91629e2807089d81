"""Browser replay of a results folder (reads result files only).

``serve(run_dir)`` starts a local server on 127.0.0.1 for the packaged plain-JavaScript front
end (``static/``); see ``docs/viewer.md``.
"""

from amdsim.viewer.server import ViewerServer, serve, serve_forever

__all__ = ["ViewerServer", "serve", "serve_forever"]
