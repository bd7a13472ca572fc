"""Django's admin app with our admin site (config/admin_site.py) as `admin.site`.

Kept apart from admin_site.py: app configs load before models, the site imports them.
"""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "config.admin_site.StaffAdminSite"
