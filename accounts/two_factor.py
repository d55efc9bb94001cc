"""Two-factor sign-in with django-otp: an authenticator app (TOTP, 6 digits every 30 seconds; a code
is accepted once) and single-use backup codes for when the phone is lost."""

from base64 import b32encode

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security_emails
from accounts.models import User
from accounts.security_emails import Notice
from audit import services as audit
from audit.models import AuditAction

BACKUP_CODES = 10


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def unconfirmed_device(user: User) -> TOTPDevice:
    """The app being set up: the same secret until a code from it is entered."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret in groups of four letters, for people who type it into their app."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm(user: User, device: TOTPDevice) -> list[str]:
    """The app gave a right code: it becomes the user's; new backup codes replace any old ones."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=user).delete()
        backup = StaticDevice.objects.create(user=user, name="Backup codes")
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=backup, token=code) for code in codes])
        audit.record(user, AuditAction.TWO_FACTOR_ENROLLED, obj=user)
        security_emails.queue_notice(user, Notice.TWO_FACTOR_SET_UP)
    return codes


def reset(user: User) -> int:
    """Remove the app and backup codes, and end every session the user has: they set up two-factor
    sign-in again next time. Returns how many devices went."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    user.session_generation += 1
    user.save(update_fields=["session_generation"])
    return removed


def verify(user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts the code (and will not accept it again), or None."""
    devices = (
        TOTPDevice.objects.filter(user=user, confirmed=True)
        if code.isdigit()
        else StaticDevice.objects.filter(user=user, confirmed=True)
    )
    return next((device for device in devices if device.verify_token(code)), None)


def kind_of(device: TOTPDevice | StaticDevice) -> str:
    return "backup_code" if isinstance(device, StaticDevice) else "app"
