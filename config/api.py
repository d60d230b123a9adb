"""Mounts every app's router on the one API."""

from accounts.api import router as accounts_router
from catalog.api import router as catalog_router
from core.api import api
from customers.api import router as customers_router
from jobs.api import router as jobs_router

api.add_router("/", catalog_router)
api.add_router("/", accounts_router)
api.add_router("/", customers_router)
api.add_router("/", jobs_router)
