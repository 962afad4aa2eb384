"""Role checks on GraphQL fields: every root field names the permission it needs.

Nested fields are reachable only through a root field, so checking the roots checks every
field; ``tests/unit/test_graphql_permissions.py`` keeps it that way.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from infra.access.principal import Permission


class _Needs(BasePermission):
    permission: Permission

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal.can(self.permission):
            return True
        roles = ", ".join(sorted(r.value for r in principal.roles)) or "none"
        self.message = f"this needs the {self.permission.value} permission; your roles: {roles}"
        return False

    @property
    def error_extensions(self) -> dict[str, Any]:  # type: ignore[override]
        return {"code": "FORBIDDEN", "permission": self.permission.value}


class CanRead(_Needs):
    permission = Permission.READ


class CanAudit(_Needs):
    permission = Permission.AUDIT


class CanOperate(_Needs):
    permission = Permission.OPERATE
