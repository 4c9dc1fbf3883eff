"""The admin site for platform administrators: accounts and catalogue only."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from dialoq.accounts import scoping
from dialoq.accounts.models import Membership, Organisation, OrganisationUnit, User
from dialoq.accounts.roles import Action


def is_platform_admin(request) -> bool:
    """Return whether a fully signed-in platform administrator makes the request."""
    user = request.user
    if not user.is_authenticated or not scoping.is_global(user, Action.ADMINISTER):
        return False
    return settings.DEMO_WAIVE_TWO_FACTOR or user.is_verified()


class DialoqAdminSite(admin.AdminSite):
    site_header = _("Dialoq administration")
    site_title = _("Dialoq administration")
    index_title = _("Organisations, people and catalogue")

    def has_permission(self, request):
        return is_platform_admin(request)


admin_site = DialoqAdminSite(name="admin")


class PlatformAdminMixin:
    """Grant platform administrators every permission on the registered models."""

    def has_module_permission(self, request):
        return is_platform_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_platform_admin(request)

    def has_add_permission(self, request, *args):
        return is_platform_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_platform_admin(request)

    def has_delete_permission(self, request, obj=None):
        return is_platform_admin(request)


class MembershipInline(PlatformAdminMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


class UnitInline(PlatformAdminMixin, admin.TabularInline):
    model = OrganisationUnit
    extra = 0
    fk_name = "organisation"


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(PlatformAdminMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "funder_type", "federal_state"]
    list_filter = ["kind", "funder_type"]
    search_fields = ["name", "short_name"]
    filter_horizontal = ["networks"]
    inlines = [UnitInline]


@admin.register(User, site=admin_site)
class DialoqUserAdmin(PlatformAdminMixin, UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    list_filter = ["is_active", "memberships__role"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MembershipInline]


@admin.register(Membership, site=admin_site)
class MembershipAdmin(PlatformAdminMixin, admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "unit", "valid_from", "valid_until"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(TOTPDevice, site=admin_site)
class TOTPDeviceAdmin(PlatformAdminMixin, admin.ModelAdmin):
    """Let administrators reset a lost authenticator by deleting its device."""

    list_display = ["user", "name", "confirmed"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user", "name"]
    search_fields = ["user__username"]

    def has_add_permission(self, request, *args):
        return False
