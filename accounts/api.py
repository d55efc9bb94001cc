from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from safeguarding.api import PlainSerializer


class MembershipSerializer(PlainSerializer):
    agency_id = serializers.IntegerField(help_text="Send it as source_agency to record on behalf of this agency.")
    agency = serializers.CharField(source="agency.name")
    agency_kind = serializers.CharField(source="agency.kind")
    role = serializers.CharField()


class MeSerializer(PlainSerializer):
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")
    memberships = MembershipSerializer(many=True)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The signed-in user, their agencies and roles."""
    user = request.user
    user.memberships_list = list(user.memberships.active().select_related("agency"))
    return Response(
        {
            "username": user.get_username(),
            "name": user.get_full_name(),
            "memberships": MembershipSerializer(user.memberships_list, many=True).data,
        }
    )
