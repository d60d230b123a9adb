"""Mounts every app's router on the one API."""

from accounts.api import router as accounts_router
from bookings.api import router as bookings_router
from calls.api import router as calls_router
from catalog.api import router as catalog_router
from core.api import api
from customers.api import router as customers_router
from jobs.api import router as jobs_router
from leads.api import router as leads_router
from reports.api import router as reports_router

for router in (
    catalog_router,
    accounts_router,
    customers_router,
    jobs_router,
    leads_router,
    calls_router,
    bookings_router,
    reports_router,
):
    api.add_router("/", router)
