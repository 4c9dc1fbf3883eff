from django.contrib import admin

from dialoq.accounts.admin import PlatformAdminMixin, admin_site
from dialoq.catalog.models import ServiceType


@admin.register(ServiceType, site=admin_site)
class ServiceTypeAdmin(PlatformAdminMixin, admin.ModelAdmin):
    list_display = ["legal_basis", "name", "code_book", "category", "setting"]
    list_filter = ["code_book", "category", "setting"]
    search_fields = ["name", "legal_basis", "key"]
