from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from erp.sites.models import Site

from .models import User
from .roles import Role


class UserSerializer(serializers.ModelSerializer):
    phone = PhoneNumberField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)
    password = serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        max_length=128,
        style={"input_type": "password"},
        help_text=_("Required on create."),
    )
    site_scope = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Site.objects.all()
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "language",
            "role",
            "password",
            "site_scope",
            "is_active",
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["id", "last_login", "date_joined"]

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": _("This field is required.")})
        if self.instance is not None and "password" in attrs:
            raise serializers.ValidationError(
                {"password": _("Passwords are changed with the password-change endpoint.")}
            )
        return attrs


class MeSerializer(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True)
    # "" when the user follows the browser: a plain string in the schema (the enum has no "").
    language = serializers.CharField(
        read_only=True, help_text=_("en, sw, fr, or empty: the browser's language.")
    )
    email = serializers.CharField(read_only=True, help_text=_("An e-mail address, or empty."))

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "phone", "language", "role"]
        read_only_fields = fields


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False, max_length=128)
    new_password = serializers.CharField(trim_whitespace=False, max_length=128)
