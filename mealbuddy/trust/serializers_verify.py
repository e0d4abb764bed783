"""Small input/output serializers of the 동네인증 and public-profile APIs (schema only: the
views build their payloads with ``verification_state`` and ``PublicProfile.as_dict``)."""

from __future__ import annotations

from rest_framework import serializers

from mealbuddy.regions.serializers import CoordinateField


class VerifyInputSerializer(serializers.Serializer):
    lat = CoordinateField(label="위도(lat)", limit=90, help_text="브라우저 위치의 위도 (WGS84)")
    lon = CoordinateField(label="경도(lon)", limit=180, help_text="브라우저 위치의 경도 (WGS84)")


class BadgeRegionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    full_name = serializers.CharField()


class VerificationStateSerializer(serializers.Serializer):
    verified = serializers.BooleanField(help_text="지금 내 동네가 인증된 상태인지")
    region = BadgeRegionSerializer(allow_null=True, help_text="내 동네 (없으면 null)")
    verified_at = serializers.DateTimeField(allow_null=True)
    verified_until = serializers.DateTimeField(allow_null=True, help_text="인증이 끝나는 시각")
    has_region = serializers.BooleanField()


class VerifyResultSerializer(VerificationStateSerializer):
    message = serializers.CharField()


class ProfileRegionSerializer(serializers.Serializer):
    name = serializers.CharField()
    full_name = serializers.CharField()


class ProfileTagSerializer(serializers.Serializer):
    tag = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class PublicProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()
    active = serializers.BooleanField(help_text="탈퇴한 사용자면 false")
    photo = serializers.CharField(allow_null=True, help_text="256px 정사각형 사진 주소")
    region = ProfileRegionSerializer(allow_null=True, help_text="동네 (주소는 보여 주지 않아요)")
    verified = serializers.BooleanField(help_text="동네인증 배지")
    manner_score = serializers.FloatField(help_text="매너 점수 (처음 36.5)")
    reviews_received = serializers.IntegerField()
    completed_orders = serializers.IntegerField(help_text="배달 완료된 주문 수 (방장 포함)")
    top_tags = ProfileTagSerializer(many=True)
