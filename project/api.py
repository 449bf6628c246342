"""The versioned JSON API (/api/v1/), one router per app.

Each app contributes ``<app>/api.py`` with a ``router``; errors are JSON with a
``code`` and a translated ``message`` (see ``project/api_errors.py``).
"""

from __future__ import annotations

from ninja import NinjaAPI

from project.api_errors import install_error_handlers

api = NinjaAPI(
    title="Agir Ensemble API",
    version="1",
    description="API publique de la plateforme participative PMA 2030.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_error_handlers(api)

from accounts.api import router as accounts_router  # noqa: E402
from decisions.api import router as decisions_router  # noqa: E402
from proposals.api import router as proposals_router  # noqa: E402
from summaries.api import router as summaries_router  # noqa: E402
from votes.api import router as votes_router  # noqa: E402
from workshops.api import router as workshops_router  # noqa: E402

api.add_router("", accounts_router)
api.add_router("", proposals_router)
api.add_router("", workshops_router)
api.add_router("", votes_router)
api.add_router("", decisions_router)
api.add_router("", summaries_router)
