from django.contrib.admin.apps import AdminConfig


class LeadlineAdminConfig(AdminConfig):
    """Makes Settings (``config.admin.LeadlineAdminSite``) the default admin
    site, so every app's ``admin.register`` lands on it.

    It lives apart from ``config/admin.py`` because app configs are imported
    before models are ready, and the site needs the accounts models.
    """

    default_site = "config.admin.LeadlineAdminSite"
